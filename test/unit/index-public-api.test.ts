import { describe, expect, it } from 'vitest';
import * as roomgate from '../../src/index.js';
import {
  ConfigError,
  createReferenceServer,
  evaluateSlos,
  exitCodeFor,
  MetricsRegistry,
  parseSlos,
  runPlan,
  VideoConnectClient,
  type MetricCatalog,
  type Step,
  type StepResult,
} from '../../src/index.js';

describe('the public API (src/index.ts)', () => {
  it('exports the documented entry points', () => {
    for (const name of [
      'createReferenceServer',
      'VideoConnectClient',
      'createContractStep',
      'createPactStep',
      'createWebhooksStep',
      'createLoadStep',
      'createBrowserStep',
      'MetricsRegistry',
      'parseSlos',
      'evaluateSlos',
      'loadRunConfig',
      'buildStep',
      'runPlan',
      'buildRunReport',
      'writeRunReports',
      'compareReports',
      'exitCodeFor',
      'RoomgateError',
      'UsageError',
      'ConfigError',
      'TargetUnreachableError',
      'InvalidRunError',
      'InterruptedError',
      'LiveMetrics',
      'PrometheusEndpoint',
      'OtlpPush',
      'prometheusName',
    ]) {
      expect(typeof (roomgate as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('the reference server and the client work together through it', async () => {
    const server = await createReferenceServer();
    try {
      const client = new VideoConnectClient({ baseUrl: server.url, credentials: { clientId: 'roomgate-local', clientSecret: 'roomgate-local-secret' } });
      const { room } = await client.createRoom({ name: 'public api' });
      expect(room.room_id).toMatch(/^rm_/);
      expect((await client.getRoom(room.room_id)).name).toBe('public api');
    } finally {
      await server.close();
    }
  });

  it('SLOs parse against a catalog and evaluate against a registry; an unknown metric is a ConfigError', () => {
    const catalog: MetricCatalog = { metrics: { latency: { kind: 'latency', description: 'request latency', perOperation: true } }, defaultLatency: 'latency' };
    const registry = new MetricsRegistry();
    for (let i = 1; i <= 100; i++) registry.record('latency', 'create_room', '2xx', i);
    const verdicts = evaluateSlos(parseSlos(['create_room.p50 < 60ms', 'create_room.p99 < 50ms'], catalog, ['create_room']), registry, catalog);
    expect(verdicts.map((v) => v.status)).toEqual(['passed', 'failed']);
    expect(() => parseSlos(['nonsense_metric < 1'], catalog, ['create_room'])).toThrow(ConfigError);
  });

  it('runPlan runs a Step written against the exported types', async () => {
    const step: Step = {
      name: 'custom',
      kind: 'contract',
      run: async (): Promise<StepResult> => {
        const t = new Date().toISOString();
        return {
          name: 'custom',
          kind: 'contract',
          status: 'failed',
          reason: 'a promise was broken',
          startedAt: t,
          finishedAt: t,
          durationMs: 0,
          checks: [],
          slos: [],
          artifacts: [],
        };
      },
    };
    const target = { baseUrl: 'http://127.0.0.1:9', credentials: { clientId: 'c', clientSecret: 's' }, embedded: false };
    const outcome = await runPlan([{ name: 's', steps: [step], openTarget: async () => ({ target, close: async () => {} }) }], {
      signal: new AbortController().signal,
      emit: () => {},
      runDir: '/tmp/roomgate-index-test',
      gate: 'run-all',
    });
    expect(outcome.status).toBe('failed');
    expect(exitCodeFor(outcome.status)).toBe(1);
  });
});
