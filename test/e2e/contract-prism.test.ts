import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import type { FaultName } from '../../src/reference/faults.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { startForwarder, startPrism, type ForwardingServer, type RunningPrism } from '../helpers/prism.js';
import { startReferenceServer } from '../helpers/reference-http.js';
import { runCli } from '../helpers/run-cli.js';
import { gateResultOf, parseRunSummary } from '../helpers/run-summary.js';

/**
 * An independent validator in the loop: Stoplight Prism validates every
 * request the gate sends and every response it gets back, and must agree with
 * roomgate's own schema checks.
 *
 *   gate → recorder → prism proxy → switch → reference server (clean | envelope | id-prefix)
 *
 * The proxy runs without `--errors`: with it, Prism answers every request
 * that breaks the document itself (422/401) instead of forwarding it, and the
 * gate sends such requests on purpose (generated invalid cases, bad tokens),
 * so it would be judging Prism. Without it Prism forwards everything and
 * reports its verdict in the `sl-violations` header, which the recorder reads.
 * Prism's body parser answers malformed JSON itself, so the recorder sends
 * those few requests around it.
 */
const SPEC = 'contracts/videoconnect.v1.openapi.yaml';
const GROUPS = ['schema', 'envelope', 'lifecycle', 'generated'];
const CLIENT = ['--client-id', 'roomgate-local', '--client-secret', 'roomgate-local-secret'];

let spec: SpecIndex;
let proxy: RunningPrism;
let mock: RunningPrism;
let servers: Record<'clean' | FaultName, ReferenceServer | undefined>;
let toServer: ForwardingServer;
let recorder: ForwardingServer;

beforeAll(async () => {
  spec = new SpecIndex(await loadSpec(SPEC));
  const [clean, envelope, idPrefix] = await Promise.all([
    startReferenceServer(),
    startReferenceServer({ faults: ['envelope'] }),
    startReferenceServer({ faults: ['id-prefix'] }),
  ]);
  servers = { clean, envelope, 'id-prefix': idPrefix } as typeof servers;
  toServer = await startForwarder(clean.url);
  // Both Prisms start together: their start-up (seconds on a loaded machine) is the slow part.
  [proxy, mock] = await Promise.all([startPrism(['proxy', SPEC, toServer.url]), startPrism(['mock', '--dynamic', '--seed', '1', SPEC])]);
  recorder = await startForwarder(proxy.url);
}, 150_000);

afterAll(async () => {
  await Promise.all([recorder?.close(), proxy?.close(), mock?.close(), toServer?.close()]);
  await Promise.all(Object.values(servers ?? {}).map((s) => s?.close()));
});

async function gateThrough(target: string, groups: string[]): Promise<{ code: number | null; result: ReturnType<typeof gateResultOf> }> {
  // A generous per-request deadline: Prism parses and validates the gate's 1.5 MiB oversized bodies, slowly on a loaded host.
  const run = await runCli(['contract', '--json', '--request-timeout', '30s', '--target', target, ...CLIENT, '--only', ...groups], { timeoutMs: 140_000 });
  return { code: run.code, result: gateResultOf(parseRunSummary(run.stdout)) };
}

/** Operations whose responses Prism flagged, and those roomgate's schema checks failed. */
async function verdicts(server: 'clean' | FaultName) {
  toServer.upstream = (servers[server] as ReferenceServer).url;
  recorder.seen = [];
  recorder.bypass = toServer.upstream;
  const { code, result } = await gateThrough(recorder.url, GROUPS);
  const operationOf = (e: { method: string; path: string }) => spec.find(e.method, e.path)?.operationId ?? `${e.method} ${e.path}`;
  // Answers Prism made itself (its errors are application/problem+json; the reference never sends that) are not the
  // target's: neither validator judged the target there, so those operations are left out of the comparison.
  const prismAnswered = recorder.seen.filter((e) => /problem\+json/.test(e.contentType ?? '')).map((e) => `${e.method} ${e.path.slice(0, 60)} → ${e.status}`);
  const excluded = new Set(recorder.seen.filter((e) => /problem\+json/.test(e.contentType ?? '')).map(operationOf));
  const prism = new Set<string>();
  for (const exchange of recorder.seen) {
    if (!exchange.violations.some((v) => v.location[0] === 'response' && v.severity === 'Error')) continue;
    prism.add(operationOf(exchange));
  }
  const roomgate = new Set(
    result.checks.filter((c) => c.status === 'failed' && c.name.startsWith('schema.') && spec.byId(c.name.slice(7)) !== undefined).map((c) => c.name.slice(7)),
  );
  const compared = (set: Set<string>) => [...set].filter((op) => !excluded.has(op)).sort();
  return { code, result, prism: compared(prism), roomgate: compared(roomgate), prismAnswered, requests: recorder.seen.length };
}

describe('Prism proxy in front of the reference server', { timeout: 150_000 }, () => {
  it('clean server: neither Prism nor roomgate finds a violation, and the gate passes', async () => {
    const { code, result, prism, roomgate, requests, prismAnswered } = await verdicts('clean');
    expect(requests).toBeGreaterThan(50);
    expect(prismAnswered, 'answers Prism made itself').toEqual([]);
    expect({ prism, roomgate }).toEqual({ prism: [], roomgate: [] });
    expect(result.checks.filter((c) => c.status === 'failed' || c.status === 'errored')).toEqual([]);
    expect(code).toBe(0);
  });

  for (const fault of ['envelope', 'id-prefix'] as const) {
    it(`--fault ${fault}: Prism and roomgate flag the same operations`, async () => {
      const { code, prism, roomgate, prismAnswered } = await verdicts(fault);
      expect(code).toBe(1);
      // A loaded host can make Prism time out on the odd request (it answers 5xx problem+json itself); more would mean the setup is broken.
      expect(prismAnswered.length, prismAnswered.join('\n')).toBeLessThanOrEqual(2);
      expect(roomgate.length).toBeGreaterThan(0);
      expect(prism).toEqual(roomgate);
      if (fault === 'id-prefix') expect(roomgate).toContain('createRoom');
    });
  }
});

describe('the gate against prism mock (a stateless target)', { timeout: 150_000 }, () => {
  it('schema checks pass; lifecycle and idempotency fail saying the target appears stateless', async () => {
    const { code, result } = await gateThrough(mock.url, ['schema', 'lifecycle', 'idempotency']);
    expect(code).toBe(1);
    const schema = result.checks.filter((c) => c.group === 'schema');
    expect(
      schema.filter((c) => c.status === 'failed' || c.status === 'errored'),
      "schema checks on Prism's mock",
    ).toEqual([]);
    const stateful = result.checks.filter((c) => (c.group === 'lifecycle' || c.group === 'idempotency') && c.status === 'failed');
    expect(stateful.length).toBeGreaterThan(0);
    for (const check of stateful) expect(check.status === 'failed' && check.message, check.name).toContain('the target appears stateless');
  });
});
