/**
 * Times the full contract gate (every group, incl. the expired-token wait and
 * the rate-limit burst) against the local reference server, configured as
 * `roomgate contract` configures its embedded server; side by side in one run,
 * interleaved, the same gate without the coverage phase (`coverage` group), so
 * the ratio is what the coverage map costs. Goal: the full gate under 10 s.
 *
 * Run: npx tsx bench/contract-gate.ts [runs]   (default 3)
 */
import { EMBEDDED_FOR_CONTRACT, CONTRACT_GROUPS, type ContractGroup } from '../src/contract/options.js';
import { resolveContractOptions, runContractGate } from '../src/contract/contract-step.js';
import { loadSpec } from '../src/spec/load-spec.js';
import { SpecIndex } from '../src/spec/spec-index.js';
import { coverageFigure } from '../src/model/coverage.js';
import { LOCAL_CREDENTIALS } from '../src/reference/defaults.js';
import { createReferenceServer } from '../src/reference/server.js';

const runs = Number(process.argv[2] ?? 3);
const GOAL_MS = 10_000;
const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
const second = { clientId: 'roomgate-second', clientSecret: 'roomgate-second-secret' };
const variants: { name: string; groups: readonly ContractGroup[] }[] = [
  { name: 'full gate', groups: CONTRACT_GROUPS },
  { name: 'without coverage', groups: CONTRACT_GROUPS.filter((g) => g !== 'coverage') },
];
const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));

for (let i = 0; i < runs; i += 1) {
  for (const variant of variants) {
    const server = await createReferenceServer({ port: 0, ...EMBEDDED_FOR_CONTRACT, clients: [{ ...LOCAL_CREDENTIALS }, second] });
    const started = performance.now();
    const result = await runContractGate(
      {
        target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true },
        signal: new AbortController().signal,
        emit: () => {},
        runDir: '.',
      },
      resolveContractOptions({ seed: i + 1, secondClient: second, groups: [...variant.groups] }),
      'contract',
    );
    const ms = performance.now() - started;
    times.get(variant.name)!.push(ms);
    const requests = (result.summary?.['requests'] as number | undefined) ?? 0;
    // Where the time goes: check durations summed per group (the burst and the expired-token wait dominate).
    const byGroup = new Map<string, number>();
    for (const c of result.checks) byGroup.set(c.group, (byGroup.get(c.group) ?? 0) + c.durationMs);
    const groups = [...byGroup]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([g, t]) => `${g} ${(t / 1000).toFixed(2)} s`)
      .join(', ');
    console.log(
      `run ${i + 1} ${variant.name.padEnd(16)}: ${result.status}, ${result.checks.length} checks, ${requests} requests, ${(ms / 1000).toFixed(2)} s (${groups})${result.coverage === undefined ? '' : `; coverage ${coverageFigure(result.coverage)}`}`,
    );
    await server.close();
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const full = median(times.get('full gate')!);
const without = median(times.get('without coverage')!);
console.log(
  `\nfull gate: median ${(full / 1000).toFixed(2)} s (goal < ${GOAL_MS / 1000} s: ${full < GOAL_MS ? 'met' : 'NOT met'}); without coverage ${(without / 1000).toFixed(2)} s; ratio ${(full / without).toFixed(2)}× over ${runs} runs`,
);
