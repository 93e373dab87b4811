import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFlags, isRoot } from '../../src/browser/launch/chromium-flags.js';
import { REFERENCE_ADAPTER } from '../../src/browser/adapters/reference.js';
import { createDailyServer, DAILY_DEFAULT_CREDENTIALS } from '../fixtures/apis/daily/server.js';
import type { FixtureServer } from '../fixtures/apis/shared/fixture-server.js';
import { exchange } from '../fixtures/apis/shared/http-exchange.js';

// The Daily-like fixture's room `url` serves the reference join page (reused, unmodified) with the
// fixture's own signaling relay: real Chromium participants with fake cameras exchange real WebRTC
// media there, the room's max_participants refuses a third visibly, and deleting the room through
// the API ends the call on every page. The reference adapter's own `joined` selector recognises it.

const STEP_TIMEOUT_MS = 20_000;
const [ACME] = DAILY_DEFAULT_CREDENTIALS;

describe('daily fixture join page (real Chromium, real WebRTC)', () => {
  let browser: Browser;
  let server: FixtureServer;
  const contexts: BrowserContext[] = [];

  const api = (path: string, method: 'GET' | 'POST' | 'DELETE' = 'GET', body?: unknown) =>
    exchange(`${server.url}/v1${path}`, { method, headers: { authorization: `Bearer ${ACME?.apiKey ?? ''}` }, ...(body === undefined ? {} : { body }) });

  const open = async (url: string): Promise<Page> => {
    const context = await browser.createBrowserContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: STEP_TIMEOUT_MS });
    return page;
  };
  const joinedSelector = 'selector' in REFERENCE_ADAPTER.joined ? REFERENCE_ADAPTER.joined.selector : 'main#join[data-state="joined"]';

  beforeAll(async () => {
    server = await createDailyServer();
    browser = await puppeteer.launch({
      executablePath: process.env['PUPPETEER_EXECUTABLE_PATH'] ?? '/usr/bin/chromium',
      headless: true,
      args: chromiumFlags({ runningAsRoot: isRoot() }),
    });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  it('two participants exchange video; a third is refused as full; deleting the room ends the call', async () => {
    const created = await api('/rooms', 'POST', { name: 'media-check', properties: { max_participants: 2 } });
    const url = String((created.json as { url: string }).url);
    const [ada, ben] = [await open(`${url}?name=ada`), await open(`${url}?name=ben`)];
    for (const page of [ada, ben]) await page.waitForSelector(joinedSelector, { timeout: STEP_TIMEOUT_MS });
    for (const page of [ada, ben]) {
      await page.waitForFunction(
        () => {
          const videos = [...document.querySelectorAll('#peers video')] as HTMLVideoElement[];
          return videos.length === 1 && videos.every((v) => v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 0);
        },
        { timeout: STEP_TIMEOUT_MS, polling: 100 },
      );
    }
    expect(await ada.$$eval('#peers figcaption', (captions) => captions.map((c) => c.textContent))).toEqual(['ben']);

    const cy = await open(`${url}?name=cy`);
    await cy.waitForSelector('main#join[data-state="refused"][data-reason="room_full"]', { timeout: STEP_TIMEOUT_MS });

    expect((await api('/rooms/media-check', 'DELETE')).status).toBe(200);
    for (const page of [ada, ben]) await page.waitForSelector('main#join[data-state="left"][data-reason="room_closed"]', { timeout: STEP_TIMEOUT_MS });
  });

  it('a private room admits a participant only with a meeting token for it (?t=)', async () => {
    const created = await api('/rooms', 'POST', { name: 'private-check', privacy: 'private' });
    const url = String((created.json as { url: string }).url);
    const refused = await open(url);
    await refused.waitForSelector('main#join[data-state="refused"][data-reason="token_required"]', { timeout: STEP_TIMEOUT_MS });
    const token = (await api('/meeting-tokens', 'POST', { properties: { room_name: 'private-check', user_name: 'dee' } })).json as { token: string };
    const admitted = await open(`${url}?t=${token.token}`);
    await admitted.waitForSelector(joinedSelector, { timeout: STEP_TIMEOUT_MS });
    expect(await admitted.$eval('#status', (status) => status.textContent)).toContain('dee');
  });
});
