import { describe, expect, it } from 'vitest';
import { createPactStep } from '../../src/contract/pact/pact-step.js';
import { crossCheckInteraction } from '../../src/contract/pact/pact-openapi-crosscheck.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { createReferenceServer } from '../../src/reference/server.js';
import type { FaultName } from '../../src/reference/faults.js';

async function verify(faults: FaultName[]) {
  const server = await createReferenceServer({ port: 0, faults });
  try {
    return await createPactStep().run({
      target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true },
      signal: new AbortController().signal,
      emit: () => {},
      runDir: '.',
    });
  } finally {
    await server.close();
  }
}

describe('pact step', () => {
  it('verifies the committed pact against the clean reference server, provider states through the public API', async () => {
    const result = await verify([]);
    expect(result.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(result.checks.map((c) => c.name)).toContain('pact.provider-verification');
  });

  it('fails provider verification when the server breaks the envelope', async () => {
    const result = await verify(['envelope']);
    expect(result.checks.find((c) => c.name === 'pact.provider-verification')?.status).toBe('failed');
  });

  it('flags a pact interaction that disagrees with the OpenAPI document', async () => {
    const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
    const problems = crossCheckInteraction(spec, {
      description: 'drifted',
      request: { method: 'POST', path: '/v1/rooms', body: { name: 'x', colour: 'red' } },
      response: { status: 201, body: { room_id: 'nope' } },
    });
    expect(problems.some((p) => p.includes('colour'))).toBe(true);
    expect(problems.some((p) => p.startsWith('response'))).toBe(true);
  });
});
