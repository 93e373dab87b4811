import { describe, expect, it } from 'vitest';
import { resolveContractOptions, runContractGate } from '../../src/contract/contract-step.js';
import { randomInvalidBodies, validBodies } from '../../src/contract/checks/generated-cases.js';
import { seededRandom } from '../../src/seeded-random.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { createReferenceServer } from '../../src/reference/server.js';

describe('generated cases', () => {
  it('are the same for the same seed and differ between seeds', async () => {
    const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
    const schema = spec.requestSchema(spec.byId('createRoom')!)!;
    expect(validBodies(schema, 7, 4)).toEqual(validBodies(schema, 7, 4));
    expect(validBodies(schema, 7, 4)).not.toEqual(validBodies(schema, 8, 4));
    const base = { name: 'x' };
    const isInvalid = (body: unknown) => spec.validate(schema, body).length > 0;
    const labels = (seed: number) => randomInvalidBodies(schema, base, seededRandom(seed), 6, isInvalid).map((c) => c.label);
    expect(labels(3)).toEqual(labels(3));
    expect(labels(3)).not.toEqual(labels(4));
    // Every random case is invalid by the schema itself (ajv), never a valid body in disguise.
    for (const c of randomInvalidBodies(schema, base, seededRandom(5), 6, isInvalid)) expect(isInvalid(c.body), c.label).toBe(true);
    for (const body of validBodies(schema, 7, 6)) expect(spec.validate(schema, body)).toEqual([]);
  });
});

describe('no false alarms', () => {
  it('the clean reference server passes 10 seeds in a row', async () => {
    // Generated cases vary with the seed; the slow, seed-independent groups (expired-token wait, burst) run once in the e2e test.
    const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
    const server = await createReferenceServer({ port: 0, rateLimit: { quota: 100_000, windowSeconds: 60 } });
    try {
      for (let seed = 1; seed <= 10; seed += 1) {
        const options = resolveContractOptions({ seed, groups: ['schema', 'envelope', 'lifecycle', 'coverage', 'generated', 'idempotency'] });
        const result = await runContractGate(
          {
            target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true },
            signal: new AbortController().signal,
            emit: () => {},
            runDir: '.',
          },
          options,
          'contract',
        );
        const bad = result.checks.filter((c) => c.status === 'failed' || c.status === 'errored');
        expect(bad, `seed ${seed}`).toEqual([]);
        expect(result.status).toBe('passed');
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});
