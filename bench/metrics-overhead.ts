/**
 * What live metrics cost the load generator: CPU per 1k req/s of the same
 * open-loop soak with and without the Prometheus endpoint (and, with --otlp,
 * with OTLP push to a loopback sink), in one run.
 *
 * The generator runs in this process (createLoadStep, as `roomgate load`
 * does) against bench/load-target.ts in its own process; with metrics on,
 * the endpoint is the real PrometheusEndpoint over the step's published
 * registry, scraped every second (--scrape-every; Prometheus' default is 15 s,
 * 1 s is the worst common case) by a scraper in a third process, so the
 * scraper's own work is not counted. Variants take turns for --rounds rounds
 * and the medians are compared: on a shared machine one run of each is noise.
 * CPU is this process's user+system time over the timed run
 * (process.cpuUsage), divided by the achieved rate in thousands.
 *
 *   npx tsx bench/metrics-overhead.ts [--rate 1000] [--duration 10s] [--rounds 3] [--scrape-every 1s] [--otlp]
 *
 * Loopback only. Figures depend on the machine and on what else runs on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { LiveMetrics } from '../src/exporters/live-metrics.js';
import { OtlpPush } from '../src/exporters/otlp-push.js';
import { PrometheusEndpoint } from '../src/exporters/prometheus-endpoint.js';
import { createLoadStep, type LoadSummary } from '../src/load/index.js';
import type { RunEvent } from '../src/model/events.js';
import type { LiveMetricsSource } from '../src/model/step.js';
import { parseDuration } from '../src/config/duration.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '10s' },
    rounds: { type: 'string', default: '3' },
    'scrape-every': { type: 'string', default: '1s' },
    otlp: { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const durationMs = parseDuration(values.duration)!;
const rounds = Number(values.rounds);
const scrapeEveryMs = parseDuration(values['scrape-every'])!;

type Variant = 'off' | 'prometheus' | 'otlp';
const variants: Variant[] = values.otlp ? ['off', 'prometheus', 'otlp'] : ['off', 'prometheus'];

const target = spawn(process.execPath, ['--import', 'tsx', 'bench/load-target.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [firstLine] = (await once(target.stdout, 'data')) as [Buffer];
const origin = firstLine.toString().trim();

// An OTLP sink that accepts everything, for the otlp variant (in this process: it only reads a body a second).
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

const loadBefore = loadavg();
console.log(
  `target ${origin}; node ${process.version}; rate ${rate}/s for ${durationMs / 1000} s × ${rounds} rounds; scrape every ${scrapeEveryMs / 1000} s; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
);

interface Sample {
  cpuMsPerSecond: number;
  achievedRate: number;
  perThousand: number;
  scrapes: number;
  late: number;
  /** CPU ms of one scrape's render (snapshot + exposition text), measured over 50 renders of this run's final figures. */
  renderMs?: number;
}

function startScraper(url: string): ChildProcess {
  // A separate process, so its fetches cost the generator nothing.
  const code = `let n=0;setInterval(async()=>{try{await (await fetch(${JSON.stringify(url)})).text();n++}catch{}}, ${scrapeEveryMs});process.on('SIGTERM',()=>{process.stdout.write(String(n));process.exit(0)})`;
  return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function runOnce(variant: Variant): Promise<Sample> {
  const live = variant === 'off' ? undefined : new LiveMetrics({ suite: 'bench' });
  const endpoint = live === undefined ? undefined : await PrometheusEndpoint.start(live, { port: 0 });
  const otlp =
    variant === 'otlp' && live !== undefined
      ? new OtlpPush(live, { endpoint: sinkUrl, intervalMs: scrapeEveryMs, onWarning: (m) => console.log(`  warning: ${m}`) })
      : undefined;
  const scraper = endpoint === undefined ? undefined : startScraper(endpoint.url);
  const step = createLoadStep({
    mode: 'soak',
    rate,
    durationMs,
    mix: { get_room: 100 },
    roomPoolSize: 5,
    schemaSampleRate: 0,
    cleanup: false,
    maxLateFraction: 1,
    windowMs: 1000,
  });
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let startedAt = 0;
  const emit = (event: RunEvent) => live?.sink(event);
  const result = await step.run({
    target: { baseUrl: origin, credentials: { clientId: 'bench', clientSecret: 'bench' }, embedded: false },
    signal: new AbortController().signal,
    emit,
    runDir: '/tmp',
    // The clock starts when the step publishes its registry: after setup, like the step's own.
    publishMetrics: (source: LiveMetricsSource) => {
      cpuAtStart = process.cpuUsage();
      startedAt = performance.now();
      live?.publish(source);
    },
  });
  const cpu = process.cpuUsage(cpuAtStart);
  const elapsedS = (performance.now() - startedAt) / 1000;
  emit({ type: 'step-end', at: Date.now(), step: step.name, result });
  let scrapes = 0;
  if (scraper !== undefined) {
    const exited = once(scraper, 'exit');
    let out = '';
    scraper.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    scraper.kill('SIGTERM');
    await exited;
    scrapes = Number(out);
  }
  let renderMs: number | undefined;
  if (endpoint !== undefined) {
    const before = process.cpuUsage();
    for (let i = 0; i < 50; i++) await endpoint.render();
    const used = process.cpuUsage(before);
    renderMs = (used.user + used.system) / 1000 / 50;
  }
  await otlp?.close();
  await endpoint?.close();
  const summary = result.summary as unknown as LoadSummary;
  const cpuMsPerSecond = (cpu.user + cpu.system) / 1000 / elapsedS;
  const achievedRate = summary.schedule?.achievedRate ?? 0;
  return {
    cpuMsPerSecond,
    achievedRate,
    perThousand: cpuMsPerSecond / (achievedRate / 1000),
    scrapes,
    late: summary.schedule?.late ?? 0,
    ...(renderMs === undefined ? {} : { renderMs }),
  };
}

const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
// One unmeasured warm-up run (JIT, undici pools, module loading).
await runOnce(variants[1]!);
for (let round = 0; round < rounds; round++) {
  // Alternate the order each round so neither variant always runs first.
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) {
    const s = await runOnce(variant);
    samples.get(variant)!.push(s);
    console.log(
      `  round ${round + 1} ${variant.padEnd(10)} ${s.cpuMsPerSecond.toFixed(1)} ms CPU/s at ${s.achievedRate}/s = ${s.perThousand.toFixed(1)} ms CPU/s per 1k req/s (${s.scrapes} scrapes, ${s.late} late)`,
    );
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = median(samples.get('off')!.map((s) => s.perThousand));
const loadAfter = loadavg();
console.log(`\nmedian CPU per 1k req/s (ms of CPU per second of run):`);
for (const variant of variants) {
  const m = median(samples.get(variant)!.map((s) => s.perThousand));
  console.log(`  ${variant.padEnd(10)} ${m.toFixed(2)} ms${variant === 'off' ? '' : `  (${((m / base - 1) * 100).toFixed(1)} % vs off; goal < 5 %)`}`);
}
const renders = samples.get('prometheus')!.map((s) => s.renderMs ?? 0);
const renderMs = median(renders);
console.log(
  `one scrape costs ${renderMs.toFixed(2)} ms of CPU (median of ${renders.length} runs, 50 renders each): at one scrape per ${scrapeEveryMs / 1000} s that is ` +
    `${(((renderMs * (1000 / scrapeEveryMs)) / base) * 100).toFixed(2)} % of the generator's CPU at 1k req/s (independent of the request rate)`,
);
console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (shared machine)`);

target.kill('SIGTERM');
sink.close();
