import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { createDailyServer, DAILY_DEFAULT_CREDENTIALS } from '../fixtures/apis/daily/server.js';
import { createLiveKitServer, LIVEKIT_DEFAULT_CREDENTIALS } from '../fixtures/apis/livekit/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { createTwilioServer, TWILIO_DEFAULT_CREDENTIALS } from '../fixtures/apis/twilio/server.js';
import { runCli } from '../helpers/run-cli.js';
import { named, skipsWithoutReason, vendorContract, type SecondClient, type Vendor } from '../helpers/vendor-gate.js';

/**
 * `roomgate init --from-spec examples/<vendor>/openapi.yaml` drafts a profile
 * that needs at most the secrets and templates filled in: the test fills in
 * only what the draft lists under "Fill in" (the secrets go in the
 * environment; LiveKit's JWT grants are a claims template), the way a user
 * edits the file, and the whole gate passes the clean fixture with it.
 */
interface Case {
  vendor: Vendor;
  start: () => Promise<FixtureServer>;
  credentials: { id?: string; secret: string };
  second: SecondClient;
  /** The templates the draft asks for, set as a user would (path in the YAML → value). */
  fill: [path: string[], value: unknown][];
  /** What the draft must list under "Fill in" (beyond the credentials, always listed). */
  asks: string[];
}

const daily = { first: DAILY_DEFAULT_CREDENTIALS[0]!, second: DAILY_DEFAULT_CREDENTIALS[1]! };
const twilio = { first: TWILIO_DEFAULT_CREDENTIALS[0]!, second: TWILIO_DEFAULT_CREDENTIALS[1]! };
const livekit = { first: LIVEKIT_DEFAULT_CREDENTIALS[0]!, second: LIVEKIT_DEFAULT_CREDENTIALS[1]! };

const CASES: Case[] = [
  {
    vendor: 'daily',
    start: () => createDailyServer(),
    credentials: { secret: daily.first.apiKey },
    second: { id: daily.second.domain, secret: daily.second.apiKey },
    fill: [],
    asks: [],
  },
  {
    vendor: 'twilio',
    start: () => createTwilioServer(),
    credentials: { id: twilio.first.sid, secret: twilio.first.secret },
    second: { id: twilio.second.sid, secret: twilio.second.secret },
    fill: [],
    asks: ['rooms.close.repeat'],
  },
  {
    vendor: 'livekit',
    start: () => createLiveKitServer(),
    credentials: { id: livekit.first.apiKey, secret: livekit.first.apiSecret },
    second: { id: livekit.second.apiKey, secret: livekit.second.apiSecret },
    // LiveKit's grants: what the RoomService operations the profile plays need (docs.livekit.io, "Room service API").
    fill: [[['auth', 'claims', 'video'], { roomCreate: true, roomList: true }]],
    asks: ['auth.claims'],
  },
];

let server: FixtureServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('roomgate init --from-spec on each vendor-like document, then the whole gate', { timeout: 120_000 }, () => {
  for (const { vendor, start, credentials, second, fill, asks } of CASES) {
    it(`${vendor}: the draft, with only secrets${fill.length === 0 ? '' : ' and its templates'} filled in, passes the clean server`, async () => {
      dir = await mkdtemp(join(tmpdir(), `roomgate-init-${vendor}-`));
      const file = join(dir, 'profile.yaml');
      const init = await runCli(['init', '--from-spec', `examples/${vendor}/openapi.yaml`, '--out', file]);
      expect(init.code, init.stderr).toBe(0);
      const fillIn = init.stdout.slice(init.stdout.indexOf('Fill in:'));
      expect(fillIn).toContain('auth: the credentials come from --client-id / --client-secret');
      for (const item of asks) expect(fillIn).toContain(item);

      const draft = parseDocument(await readFile(file, 'utf8'));
      for (const [path, value] of fill) draft.setIn(path, value);
      await writeFile(file, draft.toString());

      server = await start();
      const { code, checks, stderr } = await vendorContract(vendor, server.url, credentials, [], { second, profile: file });
      expect(
        checks.filter((c) => c.status === 'failed' || c.status === 'errored'),
        stderr,
      ).toEqual([]);
      expect(code).toBe(0);
      expect(skipsWithoutReason(checks)).toEqual([]);
      // The draft drove the behavioural checks, not only the document's: rooms were created, read, closed, and kept apart.
      expect(named(checks, 'passed')).toEqual(
        expect.arrayContaining([
          'lifecycle.create-201-location',
          'lifecycle.get-matches-create',
          'lifecycle.delete-closes-room',
          'identity.other-client-cannot-read',
        ]),
      );
    });
  }
});
