import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentStepSummary } from '../../src/model/incident-summary.js';
import type { LoadSummary } from '../../src/model/load-summary.js';
import { FAULTS } from '../../src/reference/faults.js';
import type { RunReport } from '../../src/report/report-json.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * One short scenario, run through the CLI once on the clean reference and
 * once under each fault: a soak that creates and closes rooms with a webhook
 * sink beside it, and 2 s of dropped responses (the fault proxy forwards the
 * create, the target makes the room, the answer is lost) so the soak retries
 * creates with the same Idempotency-Key and audits for duplicates afterwards.
 */
const SCENARIO = `
name: delivery-and-retries
steps:
  - parallel:
      - type: webhook-sink
        name: webhooks
        options: { steps: [soak], deliveryBudget: 8s, window: 1s }
        slos:
          - ${FAULTS['webhook-drop'].caughtBy.slo}
          - ${FAULTS['webhook-delay'].caughtBy.slo}
      - type: load
        name: soak
        options: { mode: soak, rate: 20, duration: 4s, window: 1s, maxLateFraction: 1, roomPoolSize: 4, mix: { create_room: 60, delete_room: 20, get_room: 20 } }
        slos:
          - duplicate_rooms == 0
incidents:
  - name: lost-answers
    at: 1s
    for: 2s
    kind: proxy
    mode: { type: drop-response, share: 50 }
`;

interface Outcome {
  code: number | null;
  status: Record<string, string>;
  slo: (step: string, metric: string) => string | undefined;
  report: RunReport;
}

describe('webhook delivery and create retries under the reference faults (one scenario run each)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roomgate-delivery-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string, faults: string[]): Promise<Outcome> {
    const out = join(dir, name);
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, `${SCENARIO}embedded: { faults: [${faults.join(', ')}] }\n`);
    const cli = await runCli(['run', file, '--out', out], { timeoutMs: 90_000 });
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
    return {
      code: cli.code,
      status: Object.fromEntries(report.steps.map((s) => [s.name, s.status])),
      slo: (step, metric) => report.slos.find((v) => v.step === step && v.metric === metric)?.status,
      report,
    };
  }

  it('the clean server passes all three: every webhook in time, and retried creates make no room twice', async () => {
    const clean = await run('clean', []);
    expect(clean.status).toEqual({ webhooks: 'passed', soak: 'passed', incidents: 'passed' });
    expect(clean.code).toBe(0);
    const soak = clean.report.steps.find((s) => s.name === 'soak')!.summary as LoadSummary;
    // The drill did what it says: answers were dropped and the soak retried those creates.
    const incident = (clean.report.steps.find((s) => s.name === 'incidents')!.summary as IncidentStepSummary).incidents[0]!;
    expect(incident.disturbed?.['response-dropped']).toBeGreaterThan(0);
    expect(soak.totals.retries).toBeGreaterThan(0);
    expect(soak.duplicates).toMatchObject({ duplicates: 0 });
    expect(clean.slo('soak', 'duplicate_rooms')).toBe('passed');
  }, 100_000);

  it('webhook-drop fails webhooks_missing == 0', async () => {
    const dropped = await run('webhook-drop', ['webhook-drop']);
    expect(dropped.status['webhooks']).toBe('failed');
    expect(dropped.slo('webhooks', 'webhooks_missing')).toBe('failed');
    expect(dropped.status['soak']).toBe('passed');
    expect(dropped.code).toBe(1);
  }, 100_000);

  it('webhook-delay fails webhook_delivery.p99 < 5s, with nothing missing', async () => {
    const delayed = await run('webhook-delay', ['webhook-delay']);
    expect(delayed.status['webhooks']).toBe('failed');
    expect(delayed.slo('webhooks', 'webhook_delivery')).toBe('failed');
    expect(delayed.slo('webhooks', 'webhooks_missing')).toBe('passed');
    expect(delayed.code).toBe(1);
  }, 100_000);

  it('idempotency (retries create new rooms) fails duplicate_rooms == 0 under the dropped answers', async () => {
    const duplicated = await run('idempotency', ['idempotency']);
    expect(duplicated.status['soak']).toBe('failed');
    expect(duplicated.slo('soak', 'duplicate_rooms')).toBe('failed');
    const soak = duplicated.report.steps.find((s) => s.name === 'soak')!.summary as LoadSummary;
    expect(soak.duplicates).toMatchObject({ duplicates: expect.any(Number) });
    expect(duplicated.code).toBe(1);
  }, 100_000);
});
