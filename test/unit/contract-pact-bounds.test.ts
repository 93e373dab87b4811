import { afterEach, describe, expect, it } from 'vitest';
import { createPactStep } from '../../src/contract/pact/pact-step.js';
import type { RunEvent } from '../../src/model/events.js';
import type { PactStepResult } from '../../src/model/result.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { createReferenceServer } from '../../src/reference/server.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { EXCEPT_TOKEN, startDrippingServer, startGzipBombServer, startResettingServer, type HostileServer } from '../fixtures/hostile/index.js';

/**
 * The pact step against real servers: it closes the rooms the verification
 * opens (the provider state's and the pact's own create), and a hostile
 * target (a gzip bomb, a drip, resets) fails the verification by name, in
 * bounded time, because the verifier only ever talks to roomgate's bounded
 * relay.
 */

const started: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) await server.close();
});

async function runPact(target: { url: string; credentials: { clientId: string; clientSecret: string } }, timeoutMs?: number) {
  const events: RunEvent[] = [];
  const result = (await createPactStep(timeoutMs === undefined ? {} : { timeoutMs }).run({
    target: { baseUrl: target.url, credentials: { ...target.credentials }, embedded: false },
    signal: new AbortController().signal,
    emit: (event) => events.push(event),
    runDir: '.',
  })) as PactStepResult;
  return { result, events };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

function openRooms(reference: ReferenceServer): string[] {
  return reference.store
    .listEveryClient({ limit: 1000 })
    .filter((room) => room.status !== 'closed')
    .map((room) => room.id);
}

describe('pact verification closes what it opens', () => {
  it("leaves no room open on the target: the provider state's and the pact's own create are closed, and counted", async () => {
    const server = await createReferenceServer({ port: 0 });
    started.push(server);
    const { result } = await runPact({ url: server.url, credentials: LOCAL_CREDENTIALS });
    expect(result.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(openRooms(server)).toEqual([]);
    // The provider state "a room exists" and the pact's create interactions: every one closed.
    const rooms = result.summary?.rooms;
    expect(rooms?.created).toBeGreaterThanOrEqual(2);
    expect(rooms).toEqual({ created: rooms?.created, closed: rooms?.created, leftOpen: [] });
  }, 60_000);
});

describe('pact verification against a hostile target stays bounded and says why it failed', () => {
  it('a gzip bomb on every API answer fails the verification as a decompression bomb, named per request', async () => {
    const server = await startGzipBombServer({ on: EXCEPT_TOKEN });
    started.push(server);
    const { result } = await runPact(server);
    const verification = result.checks.find((c) => c.name === 'pact.provider-verification');
    expect(verification).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/broke roomgate's bounds \((GET|POST|DELETE) \/v1\/rooms[^:]*: .*decompression bomb/),
    });
  }, 120_000);

  it("a target that drips its bodies fails the verification on the relay's deadline instead of holding it for minutes", async () => {
    const server = await startDrippingServer({ on: EXCEPT_TOKEN, intervalMs: 500 });
    started.push(server);
    const { result } = await runPact(server, 3000);
    const verification = result.checks.find((c) => c.name === 'pact.provider-verification');
    expect(verification).toMatchObject({ status: 'failed', message: expect.stringMatching(/did not finish|deadline/) });
    // Nothing the target holds open outlives the step (a closed socket reaches the fixture a moment later).
    await until(() => server.stats().openResponses === 0);
    expect(server.stats().openResponses).toBe(0);
  }, 120_000);

  it('a target that resets every answer mid-response fails the verification, naming the cut-off answers', async () => {
    const server = await startResettingServer({ at: 'mid-response', on: EXCEPT_TOKEN });
    started.push(server);
    const { result } = await runPact(server, 3000);
    const verification = result.checks.find((c) => c.name === 'pact.provider-verification');
    expect(verification).toMatchObject({ status: 'failed', message: expect.stringMatching(/broke roomgate's bounds \(.*(cut off|no answer|reset|socket)/i) });
  }, 120_000);
});
