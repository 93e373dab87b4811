import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { FAULTS } from '../../src/reference/faults.js';
import { createReferenceServer } from '../../src/reference/server.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * Cleanup tells the truth (#22): against a target whose every second DELETE
 * takes ~2 s (fault slow-delete) and a request timeout of 1 s, some of the
 * run's closes time out and their rooms stay open. What the load step says is
 * left open, in the console, report.json and summary.md, must be exactly the
 * rooms the server still holds open, by id: not "0 left open", not a guess.
 * The same run shows the fault's catcher, the deletes' latency SLO, failing.
 */

interface CleanupReport {
  deleted: number;
  failed: number;
  leftOver: number;
  leftOpen: string[];
  verified: boolean;
}

const servers: ReferenceServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

const { slo } = FAULTS['slow-delete'].caughtBy;

/** A short soak whose deletes are judged by the fault's SLO, each close given 1 s; the run folder's files as text. */
async function soak(server: ReferenceServer) {
  const out = await mkdtemp(join(tmpdir(), 'roomgate-cleanup-truth-'));
  try {
    const run = await runCli(
      [
        'load',
        '--target',
        server.url,
        '--client-id',
        LOCAL_CREDENTIALS.clientId,
        '--out',
        out,
        '--mode',
        'soak',
        '--rate',
        '10',
        '--duration',
        '2s',
        '--room-pool',
        '8',
        '--mix',
        'create=30,get=40,delete=30',
        '--max-late',
        '1',
        '--window',
        '1s',
        '--request-timeout',
        '1s',
        '--slo',
        slo,
      ],
      { env: { ROOMGATE_CLIENT_SECRET: LOCAL_CREDENTIALS.clientSecret }, timeoutMs: 140_000 },
    );
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      steps: { slos: { expression: string; status: string }[]; summary: { runTag: string; cleanup: CleanupReport } }[];
    };
    return { ...run, step: report.steps[0]!, summaryMd: await readFile(join(out, 'summary.md'), 'utf8') };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function reference(faults: 'slow-delete'[]): Promise<ReferenceServer> {
  const server = await createReferenceServer({ port: 0, faults });
  servers.push(server);
  return server;
}

describe.concurrent('roomgate load cleanup against a slow DELETE (fault slow-delete)', { timeout: 150_000 }, () => {
  it('passes the same run on the clean server: the deletes are fast and nothing is left open', async () => {
    const run = await soak(await reference([]));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.step.slos).toEqual([expect.objectContaining({ expression: slo, status: 'passed' })]);
    expect(run.step.summary.cleanup).toMatchObject({ failed: 0, leftOver: 0, leftOpen: [], verified: true });
    expect(run.summaryMd).not.toContain('Rooms left open');
  });

  it('lists exactly the rooms left open, by id, in the console, report.json and summary.md', async () => {
    const server = await reference(['slow-delete']);
    const run = await soak(server);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const { step, summaryMd } = run;
    expect(step.slos).toEqual([expect.objectContaining({ expression: slo, status: 'failed' })]);

    // The server's own view: the run's rooms it still holds open.
    const stillOpen = server.store
      .listEveryClient({ limit: 10_000 })
      .filter((room) => room.status !== 'closed' && (room.name ?? '').startsWith(step.summary.runTag))
      .map((room) => room.id)
      .sort();
    const { cleanup } = step.summary;
    expect(stillOpen.length, 'the fault must leave some rooms open for this test to mean anything').toBeGreaterThan(0);
    expect(cleanup).toMatchObject({ verified: true, leftOver: stillOpen.length });
    expect([...cleanup.leftOpen].sort()).toEqual(stillOpen);
    expect(cleanup.failed).toBeGreaterThan(0);
    expect(cleanup.deleted).toBeGreaterThan(0);

    expect(run.stdout).toContain(`${stillOpen.length} LEFT OPEN: `);
    expect(summaryMd).toContain(`${stillOpen.length} of the run's rooms are still open on the target`);
    for (const id of stillOpen) {
      expect(run.stdout).toContain(id);
      expect(summaryMd).toContain(`\`${id}\``);
    }
  });
});
