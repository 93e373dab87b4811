import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceServer } from '../../src/reference/server.js';
import type { ReferenceServer } from '../../src/reference/server-types.js';
import { Webhook } from 'standardwebhooks';
import type { CreatedWebhookSubscription, JoinToken, Room, WebhookEvent } from '../../src/target/api-types.js';
import { WebhookSink } from '../helpers/webhook-sink.js';
import { chromiumFlags, isRoot } from '../../src/browser/launch/chromium-flags.js';

const STEP_TIMEOUT_MS = 20_000;
// The participant browsers' own flags (fake media, no throttling, no sandbox as root).
const CHROMIUM_ARGS = chromiumFlags({ runningAsRoot: isRoot() });

async function token(server: ReferenceServer): Promise<string> {
  const response = await fetch(`${server.url}/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'roomgate-local', client_secret: 'roomgate-local-secret' }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

async function api<T>(server: ReferenceServer, accessToken: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

interface Participant {
  context: BrowserContext;
  page: Page;
  status: number | undefined;
}

async function openJoinPage(browser: Browser, url: string): Promise<Participant> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const response = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: STEP_TIMEOUT_MS });
  return { context, page, status: response?.status() };
}

async function pageState(page: Page): Promise<{ state: string | undefined; reason: string | undefined; text: string }> {
  return page.$eval('#join', (main) => ({
    state: (main as HTMLElement).dataset['state'],
    reason: (main as HTMLElement).dataset['reason'],
    text: document.getElementById('status')?.textContent ?? '',
  }));
}

async function waitForState(page: Page, state: string): Promise<void> {
  await page.waitForSelector(`#join[data-state="${state}"]`, { timeout: STEP_TIMEOUT_MS });
}

/** Remote videos that have real dimensions and rendered frames. */
async function waitForRemoteVideos(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (expected: number) => {
      const videos = [...document.querySelectorAll('#peers video')] as HTMLVideoElement[];
      const playing = videos.filter((v) => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0);
      return videos.length === expected && playing.length === expected;
    },
    { timeout: STEP_TIMEOUT_MS, polling: 100 },
    count,
  );
}

async function waitUntil(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('reference join page (real Chromium, real WebRTC)', () => {
  let browser: Browser;
  let server: ReferenceServer;
  let accessToken: string;

  const createRoom = async (input: Record<string, unknown>): Promise<Room> => {
    const { status, body } = await api<Room>(server, accessToken, 'POST', '/v1/rooms', input);
    expect(status).toBe(201);
    return body;
  };
  const readRoom = async (roomId: string): Promise<Room> => (await api<Room>(server, accessToken, 'GET', `/v1/rooms/${roomId}`)).body;

  beforeAll(async () => {
    server = await createReferenceServer({ port: 0 });
    accessToken = await token(server);
    browser = await puppeteer.launch({
      executablePath: process.env['PUPPETEER_EXECUTABLE_PATH'] ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lets three participants join one room and each see the other two videos; leaving updates the room', async () => {
    const room = await createRoom({ name: 'mesh', max_participants: 3 });
    expect(room.join_url).toBe(`${server.url}/join/${room.room_id}`);
    const participants: Participant[] = [];
    try {
      for (const name of ['ada', 'ben', 'cy']) {
        const participant = await openJoinPage(browser, `${room.join_url}?name=${name}`);
        participants.push(participant);
        await waitForState(participant.page, 'joined');
      }
      await waitUntil(async () => (await readRoom(room.room_id)).participant_count === 3, 'participant_count 3');
      expect(await readRoom(room.room_id)).toMatchObject({ status: 'active', participant_count: 3 });
      for (const { page } of participants) await waitForRemoteVideos(page, 2);
      const names = await participants[0]!.page.$$eval('#peers figcaption', (captions) => captions.map((c) => c.textContent).sort());
      expect(names).toEqual(['ben', 'cy']);
      const stored = [...server.store.get(room.room_id)!.participants.values()].map((p) => p.name).sort();
      expect(stored).toEqual(['ada', 'ben', 'cy']);

      // Closing a tab leaves the room; the others drop its video.
      await participants.pop()!.context.close();
      await waitUntil(async () => (await readRoom(room.room_id)).participant_count === 2, 'participant_count 2');
      for (const { page } of participants) await waitForRemoteVideos(page, 1);

      // The Leave button leaves too.
      await participants[1]!.page.click('#leave');
      await waitForState(participants[1]!.page, 'left');
      expect(await pageState(participants[1]!.page)).toMatchObject({ state: 'left', reason: 'left' });
      await waitUntil(async () => (await readRoom(room.room_id)).participant_count === 1, 'participant_count 1');
      await waitForRemoteVideos(participants[0]!.page, 0);
      // Status is monotonic: the room stays active while open.
      expect((await readRoom(room.room_id)).status).toBe('active');
    } finally {
      await Promise.all(participants.map((p) => p.context.close()));
    }
    await waitUntil(async () => (await readRoom(room.room_id)).participant_count === 0, 'participant_count 0');
  });

  it('fires one signed participant.joined and participant.left webhook per page that joins and leaves', async () => {
    const sink = await WebhookSink.start();
    const participants: Participant[] = [];
    try {
      const { body: subscription } = await api<CreatedWebhookSubscription>(server, accessToken, 'POST', '/v1/webhooks', {
        url: sink.url(),
        events: ['participant.joined', 'participant.left'],
      });
      const room = await createRoom({ name: 'hooked' });
      for (const name of ['p1', 'p2']) {
        const participant = await openJoinPage(browser, `${room.join_url}?name=${name}`);
        participants.push(participant);
        await waitForState(participant.page, 'joined');
      }
      await waitForRemoteVideos(participants[0]!.page, 1);
      for (const participant of participants.splice(0)) await participant.context.close();
      await sink.waitFor(() => sink.received.length >= 4, STEP_TIMEOUT_MS);
      const webhook = new Webhook(subscription.secret);
      const events = sink.received.map((r) => webhook.verify(r.body, r.headers as Record<string, string>) as WebhookEvent);
      const summary = events.map((e) => `${e.type} ${'participant' in e.data ? e.data.participant.name : ''}`).sort();
      expect(summary).toEqual(['participant.joined p1', 'participant.joined p2', 'participant.left p1', 'participant.left p2']);
      for (const event of events) expect(event.data.room.room_id).toBe(room.room_id);
      await api(server, accessToken, 'DELETE', `/v1/webhooks/${subscription.webhook_id}`);
    } finally {
      await Promise.all(participants.map((p) => p.context.close()));
      await sink.close();
    }
  });

  it('shows a visible room_full refusal to the participant beyond max_participants', async () => {
    const room = await createRoom({ name: 'tiny', max_participants: 1 });
    const first = await openJoinPage(browser, `${room.join_url}?name=first`);
    const second = await openJoinPage(browser, `${room.join_url}?name=second`);
    try {
      await waitForState(first.page, 'joined');
      await waitForState(second.page, 'refused');
      const refusal = await pageState(second.page);
      expect(refusal).toMatchObject({ state: 'refused', reason: 'room_full' });
      expect(refusal.text).toMatch(/full/i);
      expect(await second.page.$eval('#status', (el) => (el as HTMLElement).offsetHeight > 0)).toBe(true);
      expect((await readRoom(room.room_id)).participant_count).toBe(1);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  it('refuses an unknown room (404) and a closed room (410) visibly and distinctly', async () => {
    const unknown = await openJoinPage(browser, `${server.url}/join/rm_doesNotExist`);
    const room = await createRoom({ name: 'closed' });
    await api(server, accessToken, 'DELETE', `/v1/rooms/${room.room_id}`);
    const closed = await openJoinPage(browser, room.join_url);
    try {
      expect(unknown.status).toBe(404);
      const unknownState = await pageState(unknown.page);
      expect(unknownState).toMatchObject({ state: 'refused', reason: 'room_not_found' });
      expect(unknownState.text).toMatch(/no room/i);
      expect(closed.status).toBe(410);
      const closedState = await pageState(closed.page);
      expect(closedState).toMatchObject({ state: 'refused', reason: 'room_closed' });
      expect(closedState.text).toMatch(/closed/i);
      expect(closedState.text).not.toBe(unknownState.text);
    } finally {
      await unknown.context.close();
      await closed.context.close();
    }
  });

  it('tells everyone in a room that is closed (DELETE) and disconnects them', async () => {
    const room = await createRoom({ name: 'to be closed' });
    const a = await openJoinPage(browser, `${room.join_url}?name=a`);
    const b = await openJoinPage(browser, `${room.join_url}?name=b`);
    try {
      await waitForState(a.page, 'joined');
      await waitForState(b.page, 'joined');
      await waitForRemoteVideos(a.page, 1);
      expect((await api(server, accessToken, 'DELETE', `/v1/rooms/${room.room_id}`)).status).toBe(200);
      for (const { page } of [a, b]) {
        await waitForState(page, 'left');
        expect(await pageState(page)).toMatchObject({ state: 'left', reason: 'room_closed' });
        expect(await page.$$eval('#peers video', (videos) => videos.length)).toBe(0);
      }
      expect(await readRoom(room.room_id)).toMatchObject({ status: 'closed', participant_count: 0 });
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  it('admits a private room’s participant only with a valid join token', async () => {
    const room = await createRoom({ name: 'private', is_private: true });
    const issued = await api<JoinToken>(server, accessToken, 'POST', `/v1/rooms/${room.room_id}/join-tokens`, { participant_name: 'invited' });
    expect(issued.status).toBe(201);
    const other = await createRoom({ name: 'other private', is_private: true });
    const otherToken = await api<JoinToken>(server, accessToken, 'POST', `/v1/rooms/${other.room_id}/join-tokens`, {});
    const noToken = await openJoinPage(browser, room.join_url);
    const forged = await openJoinPage(browser, `${room.join_url}?token=${encodeURIComponent(otherToken.body.token)}`);
    const invited = await openJoinPage(browser, issued.body.join_url);
    try {
      await waitForState(noToken.page, 'refused');
      expect(await pageState(noToken.page)).toMatchObject({ reason: 'token_required' });
      await waitForState(forged.page, 'refused');
      expect(await pageState(forged.page)).toMatchObject({ reason: 'token_invalid' });
      await waitForState(invited.page, 'joined');
      // The token's participant name is used when the URL names nobody.
      expect([...server.store.get(room.room_id)!.participants.values()].map((p) => p.name)).toEqual(['invited']);
      expect((await readRoom(room.room_id)).participant_count).toBe(1);
    } finally {
      await Promise.all([noToken, forged, invited].map((p) => p.context.close()));
    }
  });
});

describe('join-refused fault', () => {
  it('leaves the page in "joining" forever without a refusal, while nobody enters the room', async () => {
    const server = await createReferenceServer({ port: 0, faults: ['join-refused'] });
    const browser = await puppeteer.launch({
      executablePath: process.env['PUPPETEER_EXECUTABLE_PATH'] ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    });
    try {
      const accessToken = await token(server);
      const { body: room } = await api<Room>(server, accessToken, 'POST', '/v1/rooms', { name: 'never joined' });
      const participant = await openJoinPage(browser, `${room.join_url}?name=hopeful`);
      expect(participant.status).toBe(200);
      // Give it far longer than a clean join takes (well under a second here).
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const state = await pageState(participant.page);
      expect(state.state).toBe('joining');
      expect(state.reason).toBeUndefined();
      expect(state.text).toMatch(/connecting/i);
      const { body: after } = await api<Room>(server, accessToken, 'GET', `/v1/rooms/${room.room_id}`);
      expect(after).toMatchObject({ status: 'waiting', participant_count: 0 });
      expect(server.store.get(room.room_id)!.participants.size).toBe(0);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
