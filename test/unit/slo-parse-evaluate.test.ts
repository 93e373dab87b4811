import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadMetricCatalog } from '../../src/load/load-metrics.js';
import { MetricsRegistry } from '../../src/metrics/index.js';
import { evaluateSlos, parseSlos, SloWatch, type MetricCatalog } from '../../src/slo/index.js';

const soak = loadMetricCatalog('soak');
// The operation names of the built-in VideoConnect profile's load (profiles/videoconnect.yaml `metric:`).
const ops = ['create_room', 'get_room', 'list_rooms', 'delete_room'];

function parse(items: unknown[], catalog: MetricCatalog = soak) {
  return parseSlos(items, catalog, ops, { windowMs: 1000 });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('SLO parsing', () => {
  it('reads every documented form into data with normalized units', () => {
    const slos = parse([
      'create_room.p99 < 1s',
      'p50 < 300ms',
      'error_rate < 0.1%',
      'availability >= 99.9%',
      'throughput > 100/s',
      'late_sends == 0',
      'schema_violations == 0',
      'get_room.service_time.p999 <= 250us',
      { threshold: 'p99 < 500ms over 1m', abort_on_fail: true, grace: '30s' },
    ]);
    expect(slos[0]).toMatchObject({
      metric: 'latency',
      operation: 'create_room',
      statistic: { kind: 'percentile', percentile: 99 },
      comparator: '<',
      threshold: 1000,
      unit: 'ms',
    });
    expect(slos[1]).toMatchObject({ metric: 'latency', threshold: 300 });
    expect(slos[1]!.operation).toBeUndefined();
    expect(slos[2]).toMatchObject({ metric: 'error_rate', threshold: 0.001, unit: 'ratio' });
    expect(slos[3]).toMatchObject({ metric: 'availability', comparator: '>=', threshold: 0.999 });
    expect(slos[4]).toMatchObject({ metric: 'throughput', threshold: 100, unit: 'per_second' });
    expect(slos[5]).toMatchObject({ metric: 'late_sends', comparator: '==', threshold: 0, unit: 'count' });
    expect(slos[7]).toMatchObject({ metric: 'service_time', operation: 'get_room', statistic: { kind: 'percentile', percentile: 99.9 }, threshold: 0.25 });
    expect(slos[8]).toMatchObject({ windowMs: 60_000, abortOnFail: true, graceMs: 30_000 });
  });

  it('accepts a step-specific catalog such as the browser step’s', () => {
    const browser: MetricCatalog = {
      metrics: {
        join_time: { kind: 'latency', description: 'join', perOperation: false },
        success_rate: { kind: 'ratio', description: 'joins', numerator: ['joins_ok'], denominator: ['joins'], perOperation: false },
      },
    };
    const slos = parseSlos(['join_time.p95 < 5s', 'success_rate >= 100%'], browser, []);
    expect(slos[0]).toMatchObject({ metric: 'join_time', threshold: 5000 });
    expect(slos[1]).toMatchObject({ metric: 'success_rate', threshold: 1 });
    expect(configError(() => parseSlos(['p95 < 5s'], browser, [])).message).toMatch(/needs a metric name/);
  });

  it('rejects an unknown metric with a did-you-mean, naming the list item', () => {
    const error = configError(() => parse(['p99 < 1s', 'eror_rate < 1%']));
    expect(error.message).toMatch(/unknown metric or operation "eror_rate".*did you mean "error_rate"/);
    expect(error.path).toBe('slos[1]');
    expect(error.exitCode).toBe(2);
  });

  it('rejects an unknown operation with a did-you-mean', () => {
    expect(configError(() => parse(['creat_room.p99 < 1s'])).message).toMatch(/did you mean "create_room"/);
    expect(configError(() => parse(['create_rooms.latency.p99 < 1s'])).message).toMatch(/unknown operation "create_rooms"/);
  });

  it('rejects soak-only metrics in burst mode', () => {
    expect(configError(() => parse(['late_sends == 0'], loadMetricCatalog('burst'))).message).toMatch(/unknown metric or operation "late_sends"/);
  });

  it('reads windows and grace with the one duration grammar: compounds yes, bare numbers no (they show the accepted forms)', () => {
    expect(parse(['p99 < 1s over 1h30m'])[0]).toMatchObject({ windowMs: 5_400_000 });
    expect(parse([{ threshold: 'p99 < 1s', grace: '1m30s' }])[0]).toMatchObject({ graceMs: 90_000 });
    const bareWindow = configError(() => parse(['p99 < 1s over 60']));
    expect(bareWindow.message).toBe('"over 60" is not a duration (a bare number has no unit)');
    expect(bareWindow.hint).toContain('500ms, 30s, 10m, 1h30m');
    expect(configError(() => parse([{ threshold: 'p99 < 1s', grace: '30' }])).message).toBe('grace "30" is not a duration (a bare number has no unit)');
    expect(configError(() => parse([{ threshold: 'p99 < 1s', grace: 30 }])).message).toMatch(/grace "30" is not a duration/);
  });

  it('rejects units and statistics that do not fit the metric', () => {
    expect(configError(() => parse(['p99 < 5%'])).message).toMatch(/not a time unit/);
    expect(configError(() => parse(['error_rate < 5'])).message).toMatch(/not a ratio/);
    expect(configError(() => parse(['error_rate.p99 < 1%'])).message).toMatch(/has no p99/);
    expect(configError(() => parse(['latency < 1s'])).message).toMatch(/say which statistic/);
    expect(configError(() => parse(['p99 < 1s over 100ms'])).message).toMatch(/shorter than one metrics window/);
    expect(configError(() => parse(['p99 about 1s'])).message).toMatch(/is not a threshold/);
    expect(configError(() => parse([{ threshold: 'p99 < 1s', abort: true }])).message).toMatch(/unknown key "abort"/);
  });
});

describe('SLO evaluation', () => {
  function registryWith(samples: { op: string; ms: number; status: '2xx' | '5xx' }[], durationMs = 1000) {
    let now = 0;
    const registry = new MetricsRegistry({ now: () => now, windowMs: 1000 });
    for (const s of samples) {
      registry.record('latency', s.op, s.status, s.ms);
      registry.increment('attempts', s.op);
      registry.increment('requests', s.op);
      registry.increment('responses', s.op);
      if (s.status === '5xx') {
        registry.increment('errors', s.op);
        registry.increment('server_errors', s.op);
      }
    }
    now = durationMs;
    registry.finish();
    return registry;
  }

  it('passes a held threshold and fails a breached one, reporting the observed value', () => {
    const registry = registryWith([
      ...Array.from({ length: 99 }, () => ({ op: 'get_room', ms: 5, status: '2xx' as const })),
      { op: 'create_room', ms: 900, status: '5xx' },
    ]);
    const verdicts = evaluateSlos(
      parse(['get_room.p99 < 10ms', 'create_room.p50 < 300ms', 'error_rate < 0.1%', 'availability >= 99%', 'throughput > 50/s']),
      registry,
      soak,
    );
    expect(verdicts.map((v) => v.status)).toEqual(['passed', 'failed', 'failed', 'passed', 'passed']);
    expect(verdicts[1]).toMatchObject({ observed: expect.closeTo(900, 0) });
    expect(verdicts[2]).toMatchObject({ observed: 0.01 });
  });

  it('answers no-data (a failure, never a pass) when nothing was measured', () => {
    const registry = registryWith([{ op: 'get_room', ms: 5, status: '2xx' }]);
    const verdicts = evaluateSlos(parse(['delete_room.p99 < 1s', 'schema_violations == 0', 'delete_room.error_rate < 1%']), registry, soak);
    expect(verdicts.map((v) => v.status)).toEqual(['no-data', 'no-data', 'no-data']);
  });

  it('judges `over` thresholds on every sliding window, so a bad minute fails even when the whole run looks fine', () => {
    let now = 0;
    const registry = new MetricsRegistry({ now: () => now, windowMs: 1000 });
    for (let w = 0; w < 10; w++) {
      for (let i = 0; i < 100; i++) registry.record('latency', 'get_room', '2xx', w === 4 ? 800 : 5);
      now += 1000;
      registry.closeWindow();
    }
    registry.finish();
    const [whole, sliding] = evaluateSlos(parse(['p50 < 500ms', 'p50 < 500ms over 1s']), registry, soak);
    expect(whole!.status).toBe('passed');
    expect(sliding).toMatchObject({ status: 'failed', breachedAtMs: 5000, windowMs: 1000 });
  });

  it('aborts on an abort_on_fail breach only after its grace period', () => {
    const registry = registryWith([{ op: 'get_room', ms: 900, status: '2xx' }]);
    const watch = new SloWatch(parse([{ threshold: 'p99 < 500ms', abort_on_fail: true, grace: '5s' }, 'p50 < 1ms']), soak);
    expect(watch.check(registry, 1000)).toBeUndefined();
    expect(watch.check(registry, 6000)).toMatchObject({ status: 'failed', expression: 'p99 < 500ms' });
  });
});
