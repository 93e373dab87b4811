import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveContractOptions, runContractGate } from '../../src/contract/contract-step.js';
import type { ContractGroup } from '../../src/contract/options.js';
import { EMBEDDED_FOR_CONTRACT } from '../../src/contract/options.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import type { ContractStepResult, WebhooksStepResult } from '../../src/model/result.js';

type GateResult = ContractStepResult | WebhooksStepResult;
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { FAULT_NAMES, type FaultName } from '../../src/reference/faults.js';
import { createReferenceServer } from '../../src/reference/server.js';
import { faultsCaughtBy } from '../helpers/faults.js';

/**
 * The coverage map against the real reference server: clean, every cell the
 * gate can reach is provoked and only 5xx (and the in-flight 409) are listed as
 * not provokable; each coverage fault fails exactly its one cell, for every
 * seed from 1 to 5 (the coverage phase does not sample; the seed moves only the
 * generated group's cases, which 5 seeds vary enough to show the cell stays put).
 */
let spec: SpecIndex;
beforeAll(async () => {
  spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
});

async function gate(url: string, options: { seed?: number; groups?: ContractGroup[]; minCoverage?: number }): Promise<GateResult> {
  return runContractGate(
    { target: { baseUrl: url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true }, signal: new AbortController().signal, emit: () => {}, runDir: '.' },
    resolveContractOptions(options),
    'contract',
  );
}

const failedCells = (result: GateResult) =>
  [...(result.coverage?.responses ?? []), ...(result.coverage?.inputs ?? [])]
    .filter((c) => c.state === 'failed')
    .map((c) => `${c.operationId} ${c.label ?? c.kind}`);

describe('contract coverage map on the clean reference server', () => {
  let server: Awaited<ReturnType<typeof createReferenceServer>>;
  beforeAll(async () => {
    server = await createReferenceServer({ port: 0, ...EMBEDDED_FOR_CONTRACT });
  });
  afterAll(async () => server.close());

  it('has a cell for every declared status of every operation, none failed, and only 5xx and the in-flight 409 not provokable', async () => {
    const result = await gate(server.url, { minCoverage: 100 });
    expect(result.checks.filter((c) => c.status === 'failed' || c.status === 'errored')).toEqual([]);
    const coverage = result.coverage!;
    const declared = spec.operations.flatMap((op) =>
      Object.keys(op.operation.responses ?? {})
        .filter((k) => /^\d{3}$/.test(k))
        .map((k) => `${op.operationId} ${k}`),
    );
    expect(coverage.responses.map((c) => `${c.operationId} ${c.kind}`).sort()).toEqual(declared.sort());
    expect(failedCells(result)).toEqual([]);
    const unreached = coverage.responses.filter((c) => c.state !== 'provoked');
    expect(
      unreached.every((c) => c.state === 'cannot-provoke'),
      JSON.stringify(unreached),
    ).toBe(true);
    expect(unreached.map((c) => `${c.operationId} ${c.kind}`).filter((k) => !k.endsWith(' 500'))).toEqual(['createRoom 409']);
    expect(coverage.inputs.every((c) => c.state === 'provoked')).toBe(true);
    // Every input kind the schemas allow appears (VideoConnect has each of them somewhere).
    expect(new Set(coverage.inputs.map((c) => c.kind))).toEqual(
      new Set([
        'missing-required',
        'wrong-type',
        'above-maximum',
        'below-minimum',
        'too-long',
        'too-short',
        'pattern',
        'outside-enum',
        'too-few-items',
        'unknown-property',
        'not-an-object',
        'malformed-json',
        'wrong-media-type',
        'oversized',
        'query',
        'path',
      ]),
    );
    expect(coverage.minimum).toEqual({ percent: 100, held: true });
    expect(result.checks.find((c) => c.name === 'coverage.minimum')?.status).toBe('passed');
    // The stateful sequences ran on both state changes.
    for (const name of ['lifecycle.after-join-token', 'lifecycle.after-delete'])
      expect(result.checks.find((c) => c.name === name)?.status, name).toBe('passed');
  }, 60_000);

  it('--min-coverage fails the gate when a group that provokes cells is left out, naming what was not provoked', async () => {
    // Without the rate-limit burst, no 429 is provoked.
    // Without the rate-limit burst, no 429 is provoked (a server of its own: the first test spent this one's quota).
    const roomy = await createReferenceServer({ port: 0, rateLimit: { quota: 100_000, windowSeconds: 60 } });
    try {
      const groups: ContractGroup[] = ['schema', 'envelope', 'coverage'];
      const strict = await gate(roomy.url, { groups, minCoverage: 100 });
      const minimum = strict.checks.find((c) => c.name === 'coverage.minimum');
      expect(minimum?.status).toBe('failed');
      expect(minimum?.status === 'failed' ? minimum.message : '').toMatch(/not provoked: \w+ 429 \(reached only by the rate-limit burst/);
      expect(strict.status).toBe('failed');
      const notProvoked = strict.coverage!.responses.filter((c) => c.state === 'not-provoked').map((c) => c.kind);
      expect(new Set(notProvoked)).toEqual(new Set(['429']));
      expect(failedCells(strict)).toEqual([]);
      const lenient = await gate(roomy.url, { groups, minCoverage: 50 });
      expect(lenient.checks.find((c) => c.name === 'coverage.minimum')?.status).toBe('passed');
      expect(lenient.status).toBe('passed');
      const unjudged = await gate(roomy.url, { groups });
      expect(unjudged.checks.some((c) => c.name === 'coverage.minimum')).toBe(false);
      expect(unjudged.status).toBe('passed');
    } finally {
      await roomy.close();
    }
  }, 60_000);
});

/** The gate's map groups against a reference server with `fault` (a quota no gate spends), once per seed. */
async function gateUnderFault(fault: FaultName, seeds: readonly number[], judge: (result: GateResult, seed: number) => void): Promise<void> {
  const server = await createReferenceServer({ port: 0, faults: [fault], rateLimit: { quota: 100_000, windowSeconds: 60 } });
  try {
    for (const seed of seeds) judge(await gate(server.url, { seed, groups: ['schema', 'envelope', 'coverage', 'generated'] }), seed);
  } finally {
    await server.close();
  }
}

const SEEDS_1_TO_5 = Array.from({ length: 5 }, (_, i) => i + 1);

/** Each coverage fault and the one cell (operation, status or input) it must fail, from src/reference/faults.ts. */
const FAULT_CELLS = faultsCaughtBy('contract').flatMap(({ fault, caughtBy: { cell, checks } }) => (cell === undefined ? [] : [{ fault, cell, checks }]));

describe('each coverage fault fails exactly its cell, for every seed from 1 to 5', () => {
  for (const { fault, cell, checks } of FAULT_CELLS) {
    it(
      fault,
      async () => {
        await gateUnderFault(fault, SEEDS_1_TO_5, (result, seed) => {
          expect(failedCells(result), `seed ${seed}`).toEqual([cell]);
          for (const check of checks) expect(result.checks.find((c) => c.name === check)?.status, `seed ${seed}`).toBe('failed');
        });
      },
      120_000,
    );
  }
});

/**
 * The earlier reference faults on the same map: each fails the cells of the
 * promise it breaks and no other; faults the contract gate has no cell for
 * (latency, webhook signatures, lost or late webhook deliveries, the join page,
 * expired tokens, the count in RateLimit, where a cursor points) leave it clean.
 */
const EARLIER_FAULT_CELLS: Record<string, string[]> = {
  'id-prefix': ['listRooms 200', 'createRoom 201', 'getRoom 200'],
  idempotency: ['createRoom 422'],
  'no-ratelimit-headers': [
    'listRooms 200',
    'createRoom 201',
    'getRoom 200',
    'deleteRoom 200',
    'createJoinToken 201',
    'listWebhooks 200',
    'createWebhook 201',
    'deleteWebhook 200',
  ],
  'slow-create': [],
  'slow-delete': [],
  'webhook-signature': [],
  'webhook-drop': [],
  'webhook-delay': [],
  'stale-count': [],
  'auth-bypass': [],
  'join-refused': [],
  'lost-left-event': [],
  'ratelimit-remaining-static': [],
  'list-cursor-skips': [],
  'cross-client-read': [],
  'cross-client-close': [],
  'cross-client-join-token': [],
  'cross-client-webhook-delete': [],
  'cross-client-list': [],
  'read-only-status-writable': [],
};

describe('the earlier reference faults fail the cells of their promise, and no other', () => {
  it('every reference fault is on this map: a coverage fault, an earlier one, or server-errors and envelope (their own tests below)', () => {
    const covered = [...FAULT_CELLS.map((f) => f.fault), ...Object.keys(EARLIER_FAULT_CELLS), 'server-errors', 'envelope'];
    expect([...covered].sort()).toEqual([...FAULT_NAMES].sort());
  });

  for (const [fault, cells] of Object.entries(EARLIER_FAULT_CELLS)) {
    it(
      fault,
      async () => {
        await gateUnderFault(fault as FaultName, [1], (result) => expect(failedCells(result)).toEqual(cells));
      },
      60_000,
    );
  }

  it('server-errors (5 % of requests answer 500, at random): every failed cell is one that got a 500', async () => {
    await gateUnderFault('server-errors', [1], (result) => {
      const failed = [...result.coverage!.responses, ...result.coverage!.inputs].filter((c) => c.state === 'failed');
      expect(
        failed.every((c) => /\b500\b/.test(c.note ?? '')),
        JSON.stringify(failed),
      ).toBe(true);
      // ~200 requests at 5 %: none failing would mean the 500s went unseen (chance about 1 in 30 000).
      expect(failed.length + result.coverage!.responses.filter((c) => c.kind === '500' && c.state === 'provoked').length).toBeGreaterThan(0);
    });
  }, 60_000);

  it('envelope: every failed cell is an error answer (non-2xx response or rejected input), and there are many', async () => {
    await gateUnderFault('envelope', [1], (result) => {
      const failedResponses = result.coverage!.responses.filter((c) => c.state === 'failed');
      expect(
        failedResponses.every((c) => Number(c.kind) >= 400),
        JSON.stringify(failedResponses.map((c) => `${c.operationId} ${c.kind}`)),
      ).toBe(true);
      expect(failedResponses.length).toBeGreaterThan(30);
      expect(result.coverage!.inputs.every((c) => c.state === 'failed')).toBe(true);
    });
  }, 60_000);
});
