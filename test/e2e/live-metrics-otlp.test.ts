import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

interface Collector {
  url: string;
  /** Bodies of the export requests, parsed (OTLP/HTTP JSON). */
  bodies: OtlpJson[];
  requests: { method: string; path: string; contentType: string | undefined }[];
  close(): Promise<void>;
}

interface OtlpJson {
  resourceMetrics: {
    resource: { attributes: KeyValue[] };
    scopeMetrics: {
      metrics: { name: string; unit?: string; sum?: { dataPoints: DataPoint[] }; histogram?: { dataPoints: (DataPoint & { count: number | string })[] } }[];
    }[];
  }[];
}
interface KeyValue {
  key: string;
  value: { stringValue?: string };
}
interface DataPoint {
  attributes: KeyValue[];
  asDouble?: number;
  asInt?: number | string;
}

/** A loopback OTLP/HTTP collector that answers every export with `status`. */
async function startCollector(status: number): Promise<Collector> {
  const bodies: OtlpJson[] = [];
  const requests: Collector['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] });
      if (status === 200) bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"code":14,"message":"collector overloaded"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const SOAK = [
  'load',
  '--mode',
  'soak',
  '--rate',
  '20',
  '--duration',
  '4s',
  '--mix',
  'get=1',
  '--room-pool',
  '1',
  '--max-late',
  '1',
  '--window',
  '1s',
  '--schema-sample-rate',
  '0',
];
const warningsIn = (stderr: string) => stderr.split('\n').filter((line) => /OTLP export to .* failed/.test(line));

describe('live metrics: OTLP push', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  it('a collector answering 503 changes neither the verdict nor the exit code, and is reported once', async () => {
    const refusing = await startCollector(503);
    const refusingToo = await startCollector(503);
    cleanup.push(refusing.close, refusingToo.close);
    const otlp = (c: Collector) => ['--otlp-endpoint', c.url, '--otlp-interval', '1s'];
    const timed = async (args: string[]) => {
      const started = Date.now();
      const run = await runCli(args);
      return { ...run, elapsedMs: Date.now() - started };
    };
    const [withOtlp, without, failingWithOtlp] = await Promise.all([
      timed([...SOAK, '--slo', 'availability >= 99%', ...otlp(refusing), '--json']),
      timed([...SOAK, '--slo', 'availability >= 99%', '--json']),
      // A gate that fails for sure: the failure must stay a failure (exit 1), not become an error.
      timed([...SOAK, '--slo', 'throughput > 1000000/s', ...otlp(refusingToo), '--json']),
    ]);
    expect(without.code, without.stderr).toBe(0);
    expect(withOtlp.code, withOtlp.stderr).toBe(without.code);
    expect((JSON.parse(withOtlp.stdout) as { status: string }).status).toBe((JSON.parse(without.stdout) as { status: string }).status);
    expect(failingWithOtlp.code, failingWithOtlp.stderr).toBe(1);
    expect((JSON.parse(failingWithOtlp.stdout) as { status: string }).status).toBe('failed');

    // Several pushes were refused (the interval is 1 s, plus the final push) but one line says so.
    for (const [run, collector] of [
      [withOtlp, refusing],
      [failingWithOtlp, refusingToo],
    ] as const) {
      expect(collector.requests.length).toBeGreaterThanOrEqual(3);
      expect(collector.requests.every((r) => r.method === 'POST' && r.path === '/v1/metrics')).toBe(true);
      const warnings = warningsIn(run.stderr);
      // Once a minute at most: one line for a run shorter than a minute (a starved host can stretch one past it).
      expect(warnings.length, run.stderr).toBeGreaterThanOrEqual(1);
      expect(warnings.length, run.stderr).toBeLessThanOrEqual(1 + Math.floor(run.elapsedMs / 60_000));
      if (run.elapsedMs < 60_000) expect(warnings, run.stderr).toHaveLength(1);
      expect(warnings[0]).toMatch(/verdict is not affected/);
    }
    expect(warningsIn(without.stderr)).toHaveLength(0);
  }, 120_000);

  it("an accepting collector receives the report's figures (requests and the latency histogram count)", async () => {
    const collector = await startCollector(200);
    cleanup.push(collector.close);
    const out = await mkdtemp(join(tmpdir(), 'roomgate-otlp-'));
    cleanup.push(() => rm(out, { recursive: true, force: true }));
    // A 3 s interval (and so a 3 s push timeout): a 1 s push can time out on a CI host busy with
    // Chromium tests, and that honest warning is not what this test is about.
    const run = await runCli([...SOAK, '--slo', 'availability >= 99%', '--otlp-endpoint', collector.url, '--otlp-interval', '3s', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(warningsIn(run.stderr), run.stderr).toHaveLength(0);
    expect(collector.requests[0]?.contentType).toMatch(/application\/json/);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      steps: { summary: { operations: Record<string, { requests: number }> } }[];
    };
    const requests = report.steps[0]!.summary.operations['get_room']!.requests;
    expect(requests).toBeGreaterThan(40);

    // The last push is the final one (close() flushes after the step ended).
    const last = collector.bodies.at(-1)!;
    const metrics = last.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const attr = (p: DataPoint, key: string) => p.attributes.find((a) => a.key === key)?.value.stringValue;
    const sent = metrics.find((m) => m.name === 'roomgate.requests')!.sum!.dataPoints.filter((p) => attr(p, 'operation') === 'get_room');
    expect(sent.reduce((sum, p) => sum + Number(p.asDouble ?? p.asInt ?? 0), 0)).toBe(requests);
    const duration = metrics.find((m) => m.name === 'roomgate.request.duration');
    expect(duration?.unit).toBe('s');
    expect(duration!.histogram!.dataPoints.filter((p) => attr(p, 'operation') === 'get_room').reduce((sum, p) => sum + Number(p.count), 0)).toBe(requests);
    expect(last.resourceMetrics[0]!.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue).toBe('roomgate');
  }, 120_000);
});
