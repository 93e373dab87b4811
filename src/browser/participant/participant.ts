import type { BrowserContext, ConsoleMessage, Page } from 'puppeteer-core';
import type { PageAdapter, ParticipantInfo } from '../adapters/types.js';
import type { ParticipantPlan } from '../options.js';
import { probeConfigSource, probeSource } from '../probe/probe-source.js';
import type { ProbeSnapshot, StatsSample } from '../probe/probe-types.js';
import { withTimeout } from '../../with-timeout.js';

/**
 * How navigation went: `failed` means no document (DNS, refused connection,
 * timeout); `refused` means roomgate did not navigate at all, because the join
 * URL is not a web page (see joinUrlProblem).
 */
export type NavigationResult =
  { kind: 'pending' } | { kind: 'ok'; httpStatus: number | null } | { kind: 'failed'; error: string } | { kind: 'refused'; error: string };

/** Schemes a join URL may have: a join page is a web page. */
const JOIN_URL_SCHEMES = new Set(['http:', 'https:']);

/**
 * Why a join URL must not be opened, or undefined when it may be. The URL
 * comes from the target (a room's join_url) or an adapter: a `file:` URL
 * would put a local file into the participant's screenshot (published with
 * the report), `javascript:` and `data:` would run the target's script in a
 * page roomgate controls. Only http(s) is opened.
 */
export function joinUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `the join URL is not a URL (${JSON.stringify(url.slice(0, 80))}); it was not opened`;
  }
  if (JOIN_URL_SCHEMES.has(parsed.protocol)) return undefined;
  return `the join URL has the scheme ${parsed.protocol} (only http and https are opened); it was not opened`;
}

/** Everything observed about one participant; classification reads only this. */
export interface ParticipantRecord {
  plan: ParticipantPlan;
  shard: number;
  /** Harness clock (epoch ms): when navigation was started and when the participant left. */
  arrivedAt?: number;
  leftAt?: number;
  navigation: NavigationResult;
  /** A page crash (renderer gone), with puppeteer's message. */
  crashed?: string;
  /** An adapter step that could not be done (selector never appeared, ...). */
  adapterError?: string;
  /** The last probe snapshot read from the page. */
  snapshot?: ProbeSnapshot;
  samples: StatsSample[];
  console: string[];
}

const MAX_CONSOLE_LINES = 500;
/** After media is denied or every signaling socket closed, wait this long for the page to show its own verdict. */
const TERMINAL_GRACE_MS = 1500;
/** An adapter's leave hook gets this long before the page is closed anyway. */
const LEAVE_BUDGET_MS = 5000;
/**
 * One read of the probe (snapshot, stats sample) or one close gets this long. Bounded
 * because a starved or wedged renderer (a host busy with other work, a page stuck in a
 * dialog) would otherwise hold each call for puppeteer's 60 s protocol timeout, and the
 * judging and leaving phases make several such calls per participant: a run that should
 * end in seconds hung for minutes on a busy CI host. A call that runs out keeps the last
 * reading, which is what the participant is judged by anyway.
 */
const PAGE_CALL_BUDGET_MS = 15_000;

/**
 * One headless participant: its own browser context and page, the probe
 * injected before any page script, and the adapter's steps. Methods are the
 * phases of the step; each reads results back from the probe and never throws
 * for something the page did (that is recorded and classified later).
 */
export class Participant {
  readonly record: ParticipantRecord;
  private page: Page | undefined;
  private context: BrowserContext | undefined;
  private readonly crashed: Promise<void>;
  private onCrash: () => void = () => {};

  constructor(
    plan: ParticipantPlan,
    shard: number,
    private readonly adapter: PageAdapter,
    private readonly signal: AbortSignal = new AbortController().signal,
  ) {
    this.record = { plan, shard, navigation: { kind: 'pending' }, samples: [], console: [] };
    this.crashed = new Promise((resolve) => (this.onCrash = resolve));
  }

  /** Context, page, probe and listeners; done before the participant's arrival time so it is not measured. */
  async prepare(context: BrowserContext): Promise<void> {
    this.context = context;
    const page = await context.newPage();
    this.page = page;
    // Adapter expressions are evaluated with new Function in the page; a strict CSP would forbid that.
    await page.setBypassCSP(true);
    await page.evaluateOnNewDocument(probeConfigSource({ joined: this.adapter.joined, refused: this.adapter.refused ?? [] }));
    await page.evaluateOnNewDocument(probeSource());
    const beforeLoad = this.adapter.beforeLoad?.(this.info());
    if (beforeLoad !== undefined) await page.evaluateOnNewDocument(beforeLoad);
    // Bounded and cheap: a chatty page (the Janus demo logs at debug level "all") must not cost the
    // harness a string per message once the log is full.
    const onConsole = (message: ConsoleMessage) => {
      if (this.record.console.length >= MAX_CONSOLE_LINES) {
        page.off('console', onConsole);
        return;
      }
      this.log(`[${message.type()}] ${message.text()}`);
    };
    page.on('console', onConsole);
    page.on('pageerror', (error) => this.log(`[pageerror] ${error instanceof Error ? error.message : String(error)}`));
    page.on('requestfailed', (request) => this.log(`[requestfailed] ${request.url()} ${request.failure()?.errorText ?? ''}`));
    page.on('error', (error) => {
      this.record.crashed = error.message;
      this.log(`[crash] ${error.message}`);
      this.onCrash();
    });
  }

  /** Navigate, run the adapter's steps, and wait until joined, refused, or something terminal (bounded by `joinTimeoutMs`). */
  async join(options: { navigationTimeoutMs: number; joinTimeoutMs: number }): Promise<void> {
    const page = this.requirePage();
    this.record.arrivedAt = Date.now();
    const deadline = this.record.arrivedAt + options.joinTimeoutMs;
    const url = this.joinUrl();
    const problem = joinUrlProblem(url);
    if (problem !== undefined) {
      // Refused before the browser sees it: the page stays about:blank, so a screenshot shows nothing of it.
      this.record.navigation = { kind: 'refused', error: problem };
      this.log(`[roomgate] ${problem}`);
      return;
    }
    try {
      const response = await this.raceCrash(page.goto(url, { waitUntil: 'domcontentloaded', timeout: options.navigationTimeoutMs }));
      this.record.navigation = { kind: 'ok', httpStatus: response?.status() ?? null };
    } catch (error) {
      this.record.navigation = { kind: 'failed', error: (error as Error).message };
      await this.refreshSnapshot();
      return;
    }
    const refusedEarly = await this.outcomeKnown();
    if (!refusedEarly && this.adapter.join !== undefined) await this.runHook('join', this.adapter.join, deadline);
    const httpStatus = this.record.navigation.kind === 'ok' ? this.record.navigation.httpStatus : null;
    // An error page may still show the app's refusal; give it a short look rather than the whole join budget.
    const waitUntil = httpStatus !== null && httpStatus >= 400 ? Math.min(deadline, Date.now() + 2000) : deadline;
    await this.waitInPage(
      `(() => { const s = window.__roomgate && window.__roomgate.snapshot(); if (!s) return false;
        if (s.outcome) return true;
        if (s.milestones.mediaDenied && !s.milestones.mediaGranted && s.now - s.milestones.mediaDenied > ${TERMINAL_GRACE_MS}) return true;
        if (s.sockets.created > 0 && s.sockets.open === 0 && s.sockets.lastCloseAt && s.now - s.sockets.lastCloseAt > ${TERMINAL_GRACE_MS}) return true;
        return false; })()`,
      waitUntil,
    );
    await this.refreshSnapshot();
  }

  /** Wait for the first rendered remote frame, or every peer connection failing, until `deadline` (harness epoch ms). */
  async awaitMedia(deadline: number): Promise<void> {
    await this.waitInPage(
      `(() => { const s = window.__roomgate && window.__roomgate.snapshot(); if (!s) return false;
        if (s.milestones.firstRenderedFrame && s.milestones.firstDecodedFrame) return true;
        return s.pcs.length > 0 && s.pcs.every((p) => p.connectionState === 'failed' || p.connectionState === 'closed'); })()`,
      deadline,
    );
    await this.refreshSnapshot();
  }

  /** One getStats() sample over the page's peer connections (kept for quality figures and freeze detection). */
  async sample(): Promise<void> {
    if (this.page === undefined || this.record.crashed !== undefined || this.page.isClosed()) return;
    try {
      const sample = (await this.raceCrash(
        this.page.evaluate('window.__roomgate ? window.__roomgate.sample() : null'),
        PAGE_CALL_BUDGET_MS,
      )) as StatsSample | null;
      if (sample !== null) this.record.samples.push(sample);
    } catch (error) {
      // a page that cannot be sampled shows up as missing samples (and its crash, if any, is recorded); the log says why
      this.log(`[roomgate] stats sample failed: ${(error as Error).message}`);
    }
  }

  async refreshSnapshot(): Promise<void> {
    if (this.page === undefined || this.record.crashed !== undefined || this.page.isClosed()) return;
    try {
      const snapshot = (await this.raceCrash(
        this.page.evaluate('window.__roomgate ? window.__roomgate.snapshot() : null'),
        PAGE_CALL_BUDGET_MS,
      )) as ProbeSnapshot | null;
      if (snapshot !== null) this.record.snapshot = snapshot;
    } catch {
      // keep the previous snapshot
    }
  }

  async screenshot(path: string): Promise<boolean> {
    if (this.page === undefined || this.record.crashed !== undefined || this.page.isClosed()) return false;
    try {
      await this.raceCrash(this.page.screenshot({ path: path as `${string}.png` }), 10_000);
      return true;
    } catch {
      return false;
    }
  }

  /** Leave: the adapter's leave steps (if any), then close page and context. */
  async leave(): Promise<void> {
    if (this.page !== undefined && !this.page.isClosed() && this.record.crashed === undefined && this.adapter.leave !== undefined) {
      await this.runHook('leave', this.adapter.leave, Date.now() + LEAVE_BUDGET_MS);
    }
    await this.close();
    this.record.leftAt = Date.now();
  }

  async close(): Promise<void> {
    try {
      if (this.page !== undefined && !this.page.isClosed()) await this.raceCrash(this.page.close({ runBeforeUnload: false }), PAGE_CALL_BUDGET_MS);
    } catch {
      // the browser may already be gone (or wedged: the pool kills it at the end)
    }
    try {
      if (this.context !== undefined) await this.raceCrash(this.context.close(), PAGE_CALL_BUDGET_MS);
    } catch {
      // idem
    }
  }

  /** What adapter hooks are told about this participant. */
  info(): ParticipantInfo {
    const { plan } = this.record;
    return {
      name: plan.name,
      index: plan.index,
      joinUrl: plan.joinUrl,
      room: { label: plan.room, index: plan.roomIndex, ...(plan.roomId === undefined ? {} : { id: plan.roomId }) },
    };
  }

  private joinUrl(): string {
    return this.adapter.url?.(this.info()) ?? this.record.plan.joinUrl;
  }

  private async outcomeKnown(): Promise<boolean> {
    await this.refreshSnapshot();
    return this.record.snapshot?.outcome != null;
  }

  /**
   * Run an adapter hook against the page, bounded by the deadline and a page
   * crash. A hook that throws or overruns is recorded (it becomes the
   * participant's `join_ui_timeout` detail unless something explains more).
   */
  private async runHook(which: 'join' | 'leave', hook: NonNullable<PageAdapter['join']>, deadline: number): Promise<void> {
    const page = this.requirePage();
    try {
      await this.raceCrash(hook(page, this.info(), { deadline, signal: this.signal }), Math.max(1, deadline - Date.now()));
    } catch (error) {
      const message = `adapter ${which} failed: ${(error as Error).message}`;
      if (which === 'join') this.record.adapterError = message;
      this.log(`[roomgate] ${message}`);
    }
  }

  /** Poll an expression in the page until truthy or the deadline; never throws. */
  private async waitInPage(expression: string, deadline: number): Promise<void> {
    const page = this.page;
    if (page === undefined || this.record.crashed !== undefined) return;
    const timeout = deadline - Date.now();
    if (timeout <= 0) return;
    try {
      await this.raceCrash(page.waitForFunction(expression, { polling: 100, timeout }));
    } catch {
      // timed out or crashed: the snapshot tells which
    }
  }

  private raceCrash<T>(work: Promise<T>, timeoutMs?: number): Promise<T> {
    const raced = Promise.race([
      work,
      this.crashed.then((): never => {
        throw new Error('page crashed');
      }),
    ]);
    return timeoutMs === undefined ? raced : withTimeout(raced, timeoutMs, `timed out after ${timeoutMs} ms`);
  }

  private requirePage(): Page {
    if (this.page === undefined) throw new Error('participant used before prepare()');
    return this.page;
  }

  private log(line: string): void {
    if (this.record.console.length < MAX_CONSOLE_LINES) this.record.console.push(`${new Date().toISOString()} ${line}`);
  }
}
