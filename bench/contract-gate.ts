/**
 * Times the full contract gate (every group, incl. the expired-token wait and
 * the rate-limit burst) against the local reference server, configured as
 * `roomgate contract` configures its embedded server. Run: npx tsx bench/contract-gate.ts [runs]
 */
import { EMBEDDED_FOR_CONTRACT } from '../src/contract/options.js';
import { resolveContractOptions, runContractGate } from '../src/contract/contract-step.js';
import { loadSpec } from '../src/contract/spec/load-spec.js';
import { SpecIndex } from '../src/contract/spec/spec-index.js';
import { LOCAL_CREDENTIALS } from '../src/reference/defaults.js';
import { createReferenceServer } from '../src/reference/server.js';

const runs = Number(process.argv[2] ?? 3);
const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
const times: number[] = [];
for (let i = 0; i < runs; i += 1) {
  const server = await createReferenceServer({ port: 0, ...EMBEDDED_FOR_CONTRACT, clients: [{ ...LOCAL_CREDENTIALS }, { clientId: 'roomgate-second', clientSecret: 'roomgate-second-secret' }] });
  const started = performance.now();
  const result = await runContractGate(
    { target: { baseUrl: server.url, credentials: { ...LOCAL_CREDENTIALS }, embedded: true }, signal: new AbortController().signal, emit: () => {}, runDir: '.' },
    spec,
    resolveContractOptions({ seed: i + 1, secondClient: { clientId: 'roomgate-second', clientSecret: 'roomgate-second-secret' } }),
    'contract',
  );
  const ms = performance.now() - started;
  times.push(ms);
  const requests = (result.summary?.['requests'] as number | undefined) ?? 0;
  console.log(`run ${i + 1}: ${result.status}, ${result.checks.length} checks, ${requests} requests, ${(ms / 1000).toFixed(2)} s`);
  await server.close();
}
times.sort((a, b) => a - b);
console.log(`full gate vs local reference server: median ${(times[Math.floor(times.length / 2)]! / 1000).toFixed(2)} s, max ${(times[times.length - 1]! / 1000).toFixed(2)} s over ${runs} runs`);
