import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDailyServer, DAILY_DEFAULT_CREDENTIALS } from '../fixtures/apis/daily/server.js';
import { createLiveKitServer, LIVEKIT_DEFAULT_CREDENTIALS, ROOM_SERVICE_PATH } from '../fixtures/apis/livekit/server.js';
import { createNotFoundServer } from '../fixtures/apis/not-found/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { createTwilioServer, TWILIO_DEFAULT_CREDENTIALS } from '../fixtures/apis/twilio/server.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * `roomgate load --profile examples/<vendor>/profile.yaml` on the vendor-like
 * fixtures: a short soak whose --mix and --slo name the user's operations
 * (as README "Your own API" and docs/profiles.md say), and a short burst.
 * report.json carries those names, the SLO is judged, and the rooms the run
 * created are closed afterwards: the fixture's own list (read here with raw
 * HTTP, not through roomgate) holds none of the run's rooms still open.
 * A soak against a target that answers 404 everywhere fails, naming the 404.
 */

// These runs check names, gating and cleanup on a shared, busy machine; generator
// precision has its own tests, so late sends must not make them invalid.
const RELAXED = ['--max-late', '1', '--window', '1s', '--room-pool', '3'];

interface Vendor {
  name: 'daily' | 'twilio' | 'livekit';
  start(): Promise<FixtureServer>;
  /** Credentials as the CLI takes them: the id on the command line, the secret in the environment. */
  id?: string;
  secret: string;
  /** The metric names by role (the profile's operationIds; LiveKit's ListRooms plays two roles). */
  names: { create: string; get: string; list: string; close: string };
  /** The run's rooms still open on the fixture, by its own list operation. */
  openRooms(url: string, prefix: string): Promise<string[]>;
}

const daily = DAILY_DEFAULT_CREDENTIALS[0]!;
const twilio = TWILIO_DEFAULT_CREDENTIALS[0]!;
const livekit = LIVEKIT_DEFAULT_CREDENTIALS[0]!;

const VENDORS: Vendor[] = [
  {
    name: 'daily',
    start: () => createDailyServer(),
    secret: daily.apiKey,
    names: { create: 'CreateRoom', get: 'GetRoom', list: 'ListRooms', close: 'DeleteRoom' },
    openRooms: async (url, prefix) => {
      const body = await json(`${url}/v1/rooms?limit=100`, { headers: { authorization: `Bearer ${daily.apiKey}` } });
      return names(body, 'data', 'name', prefix);
    },
  },
  {
    name: 'twilio',
    start: () => createTwilioServer(),
    id: twilio.sid,
    secret: twilio.secret,
    names: { create: 'CreateRoom', get: 'FetchRoom', list: 'ListRoom', close: 'UpdateRoom' },
    openRooms: async (url, prefix) => {
      const basic = Buffer.from(`${twilio.sid}:${twilio.secret}`).toString('base64');
      const body = await json(`${url}/v1/Rooms?Status=in-progress&PageSize=1000`, { headers: { authorization: `Basic ${basic}` } });
      return names(body, 'rooms', 'unique_name', prefix);
    },
  },
  {
    name: 'livekit',
    start: () => createLiveKitServer(),
    id: livekit.apiKey,
    secret: livekit.apiSecret,
    names: { create: 'CreateRoom', get: 'ListRooms_get', list: 'ListRooms_list', close: 'DeleteRoom' },
    openRooms: async (url, prefix) => {
      const token = await new SignJWT({ video: { roomList: true } })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(livekit.apiKey)
        .setIssuedAt()
        .setExpirationTime('1m')
        .sign(new TextEncoder().encode(livekit.apiSecret));
      const body = await json(`${url}${ROOM_SERVICE_PATH}/ListRooms`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      return names(body, 'rooms', 'name', prefix);
    },
  },
];

async function json(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, init);
  expect(response.status, `${init.method ?? 'GET'} ${url}`).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function names(body: Record<string, unknown>, items: string, field: string, prefix: string): string[] {
  return (body[items] as Record<string, unknown>[]).map((room) => String(room[field])).filter((name) => name.startsWith(prefix));
}

interface LoadReport {
  run: { status: string; exitCode: number };
  steps: {
    status: string;
    reason?: string;
    slos: { expression: string; status: string }[];
    summary: {
      runTag: string;
      operationNames: { role: string; name: string; operationId: string }[];
      operations: Record<string, { responses: number; errors: number }>;
      setup: { roomsCreated: number };
      cleanup: { deleted: number; failed: number; leftOver: number; leftOpen: string[]; verified: boolean };
    };
  }[];
}

async function load(vendor: { name: string; id?: string; secret: string }, url: string, args: readonly string[]) {
  const out = await mkdtemp(join(tmpdir(), `roomgate-${vendor.name}-load-`));
  try {
    const run = await runCli(
      [
        'load',
        '--profile',
        `examples/${vendor.name === 'not-found' ? 'daily' : vendor.name}/profile.yaml`,
        '--target',
        url,
        ...(vendor.id === undefined ? [] : ['--client-id', vendor.id]),
        '--out',
        out,
        ...RELAXED,
        ...args,
      ],
      { env: { ROOMGATE_CLIENT_SECRET: vendor.secret }, timeoutMs: 170_000 },
    );
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as LoadReport;
    const summaryMd = await readFile(join(out, 'summary.md'), 'utf8');
    return { ...run, report, step: report.steps[0]!, summaryMd };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

describe.concurrent.each(VENDORS.map((vendor) => [vendor.name, vendor] as const))(
  'roomgate load --profile examples/%s/profile.yaml',
  { timeout: 180_000 },
  (_name, vendor) => {
    let server: FixtureServer;
    beforeAll(async () => {
      server = await vendor.start();
    });
    afterAll(async () => {
      await server.close();
    });

    it("runs a soak whose --mix and --slo name the profile's operations, reports them by those names and closes every room it created", async () => {
      const n = vendor.names;
      const run = await load(vendor, server.url, [
        '--mode',
        'soak',
        '--rate',
        '10',
        '--duration',
        '3s',
        '--mix',
        `${n.create}=20,${n.get}=70,${n.list}=5,${n.close}=5`,
        '--slo',
        `${n.create}.p99 < 10s`,
        '--slo',
        `${n.get}.p99 < 10s`,
        '--slo',
        'error_rate < 1%',
      ]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const { summary, slos } = run.step;
      expect(summary.operationNames.map((op) => op.name)).toEqual([n.create, n.get, n.list, n.close]);
      // A short seeded mix may never draw a rare operation; whatever it drew carries the profile's names.
      expect([n.create, n.get, n.list, n.close]).toEqual(expect.arrayContaining(Object.keys(summary.operations)));
      expect(summary.operations[n.create]!.responses).toBeGreaterThan(0);
      expect(summary.operations[n.get]!.responses).toBeGreaterThan(0);
      expect(slos.map((s) => [s.expression, s.status])).toEqual([
        [`${n.create}.p99 < 10s`, 'passed'],
        [`${n.get}.p99 < 10s`, 'passed'],
        ['error_rate < 1%', 'passed'],
      ]);
      expect(run.stdout).toContain(`ok   ${n.create}.p99 < 10s`);
      expect(summary.cleanup).toMatchObject({ failed: 0, leftOver: 0, leftOpen: [], verified: true });
      expect(summary.cleanup.deleted).toBeGreaterThan(0);
      expect(await vendor.openRooms(server.url, summary.runTag)).toEqual([]);
    });

    it("runs a burst judged by thresholds in the profile's names and closes every room it created", async () => {
      const run = await load(vendor, server.url, [
        '--mode',
        'burst',
        '--connections',
        '2',
        '--requests',
        '60',
        '--slo',
        `${vendor.names.get}.p99 < 10s`,
        '--slo',
        'error_rate < 1%',
      ]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const { summary, slos } = run.step;
      expect(Object.values(vendor.names)).toEqual(expect.arrayContaining(Object.keys(summary.operations)));
      expect(summary.operations[vendor.names.get]!.responses).toBeGreaterThan(0);
      expect(slos.map((s) => [s.expression, s.status])).toEqual([
        [`${vendor.names.get}.p99 < 10s`, 'passed'],
        ['error_rate < 1%', 'passed'],
      ]);
      expect(summary.cleanup).toMatchObject({ failed: 0, leftOver: 0, verified: true });
      expect(await vendor.openRooms(server.url, summary.runTag)).toEqual([]);
    });
  },
);

describe.concurrent('roomgate load against a target that answers 404 everywhere', { timeout: 180_000 }, () => {
  it("fails the soak (exit 1) saying the target answered 404 on the profile's operation", async () => {
    const server = await createNotFoundServer();
    try {
      const run = await load({ name: 'not-found', secret: daily.apiKey }, server.url, ['--mode', 'soak', '--rate', '10', '--duration', '2s']);
      expect(run.code, run.stdout + run.stderr).toBe(1);
      expect(run.step.status).toBe('failed');
      expect(run.step.reason).toMatch(/the target answered 404 on CreateRoom/);
      expect(run.stdout).toMatch(/the target answered 404 on CreateRoom/);
      expect(server.requests()).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
