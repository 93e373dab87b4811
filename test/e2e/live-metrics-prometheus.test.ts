import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_BOUNDS } from '../../src/exporters/exported-metrics.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { freePort, startPrometheus, type PrometheusInstance } from '../helpers/prometheus.js';
import { startReferenceServer } from '../helpers/reference-http.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

/**
 * A real Prometheus scrapes `roomgate load --metrics-port` every second during
 * a 10 s soak against a real reference server; afterwards its HTTP API must
 * hold the same request total as the server's stats() and the run's
 * report.json, and its histogram_quantile(0.99) must sit in the report's
 * p99 bucket.
 */
describe('live metrics: Prometheus scrapes a soak', () => {
  let server: ReferenceServer;
  let prometheus: PrometheusInstance;
  let metricsPort: number;
  let out: string;

  beforeAll(async () => {
    server = await startReferenceServer();
    metricsPort = await freePort();
    prometheus = await startPrometheus([`127.0.0.1:${metricsPort}`]);
    out = await mkdtemp(join(tmpdir(), 'roomgate-metrics-'));
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.close();
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('agrees with the server and the report, and keeps the endpoint up for the final scrape', async () => {
    // get_room only, one pool room: the server's get_room count is exactly the timed requests.
    const run = await runCli(
      [
        'load',
        '--mode',
        'soak',
        '--rate',
        '40',
        '--duration',
        '10s',
        '--mix',
        'get=1',
        '--room-pool',
        '1',
        '--target',
        server.url,
        '--client-id',
        LOCAL_CREDENTIALS.clientId,
        '--client-secret',
        LOCAL_CREDENTIALS.clientSecret,
        '--slo',
        'availability >= 99%',
        '--max-late',
        '1',
        '--window',
        '1s',
        '--schema-sample-rate',
        '0',
        '--metrics-port',
        String(metricsPort),
        '--out',
        out,
      ],
      { timeoutMs: 120_000 },
    );
    expect(run.code, run.stderr + run.stdout).toBe(0);
    // Where the console goes (stdout; stderr under --json), as for every command.
    expect(run.stdout + run.stderr).toContain(`metrics → http://127.0.0.1:${metricsPort}/metrics`);
    expect(run.stdout + run.stderr, 'the CLI must not exit before a scrape has read the final figures').not.toMatch(/no scrape of .* within/);

    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      steps: { summary: { operations: Record<string, { requests: number; latency: { p99: number } }> } }[];
    };
    const reported = report.steps[0]!.summary.operations['get_room']!;
    const served = server.stats().requests['get_room'];
    expect(reported.requests).toBeGreaterThan(300);
    expect(served).toBe(reported.requests);

    // The scrape that read the final figures carries the step's verdict; wait (bounded) until it is stored.
    // (The endpoint is gone now, so series are stale: read them over a range, not as instant values.)
    const finalStored = async () => (await prometheus.query('last_over_time(roomgate_step_status{status="passed"}[5m])')).length === 1;
    const until = Date.now() + 15_000;
    while (!(await finalStored())) {
      expect(Date.now(), `Prometheus never stored the final scrape:\n${prometheus.logs()}`).toBeLessThan(until);
      await new Promise((r) => setTimeout(r, 250));
    }

    const total = await prometheus.query('sum(max_over_time(roomgate_requests_total{operation="get_room"}[5m]))');
    expect(total[0]?.value).toBe(reported.requests);

    // Live, not only at the end: many scrapes during the run, and the counter grew between them.
    const samples = await prometheus.query('count_over_time(roomgate_requests_total{operation="get_room",status_class="2xx"}[5m])');
    expect(samples[0]?.value).toBeGreaterThanOrEqual(5);
    const first = await prometheus.query('min_over_time(roomgate_requests_total{operation="get_room",status_class="2xx"}[5m])');
    expect(first[0]!.value).toBeLessThan(reported.requests);

    const p99 = await prometheus.query(
      'histogram_quantile(0.99, sum by (le) (max_over_time(roomgate_request_duration_seconds_bucket{operation="get_room"}[5m])))',
    );
    const reportP99 = reported.latency.p99 / 1000;
    const upper = REQUEST_BOUNDS.find((b) => b >= reportP99) ?? Number.POSITIVE_INFINITY;
    const lower = [...REQUEST_BOUNDS].reverse().find((b) => b < reportP99) ?? 0;
    expect(Math.abs(p99[0]!.value - reportP99), `Prometheus p99 ${p99[0]?.value} s vs report ${reportP99} s (bucket ${lower}–${upper})`).toBeLessThanOrEqual(
      upper - lower,
    );

    // The SLO state was exported while the step ran and ended holding.
    const holding = await prometheus.query('last_over_time(roomgate_slo_holding{slo="availability >= 99%"}[5m])');
    expect(holding[0]?.value).toBe(1);

    // Every query of the Grafana dashboard is valid PromQL for these series, and the load panels
    // have data (over 5 minutes: the run just ended, so instant series are stale already).
    const dashboard = JSON.parse(await readFile(join(REPO_ROOT, 'deploy/grafana/roomgate-live.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
    };
    const concrete = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.*').replaceAll('$step', '.*');
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const result = await prometheus.query(concrete(target.expr));
        if (/^(Request rate|Latency by operation)/.test(panel.title)) expect(result.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
      }
    }
  }, 150_000);
});
