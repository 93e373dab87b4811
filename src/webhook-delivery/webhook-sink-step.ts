import { sleep } from '../abortable-sleep.js';
import { MetricsRegistry } from '../metrics/registry.js';
import type { RunEvent, WindowSummary } from '../model/events.js';
import type { SloVerdict, StepStatus, WebhookSinkStepResult } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import type { WebhookSinkSummary } from '../model/webhook-sink-summary.js';
import { createProfileClient } from '../profile/profile-client.js';
import type { RoomApi } from '../profile/room-api.js';
import { evaluateSlos } from '../slo/evaluate.js';
import { formatObserved } from '../slo/format-observed.js';
import type { Slo } from '../slo/types.js';
import { profileOf } from '../target/target.js';
import type { Delivery } from '../target/webhook-sink.js';
import { buildSinkSummary, sinkWindowSummary } from './build-sink-summary.js';
import { DELIVERY_COUNTERS as C, deliveryMetricCatalog } from './delivery-metrics.js';
import { DeliveryLedger, type ClassifiedPayload } from './delivery-ledger.js';
import { resolveSinkOptions, SIGNATURE_SLO_METRICS, type ResolvedSinkOptions, type WebhookSinkStepOptions } from './options.js';
import { SignatureJudge } from './signature-judge.js';
import { subscribeSink, type SinkSubscription } from './sink-subscription.js';
import { WatchedSteps } from './watched-steps.js';

/**
 * Rooms announced within this long after the subscription was confirmed are
 * not expected: a create the target processed just before the subscription
 * existed may be announced just after (its answer was still on the way), and
 * would count as missing although the target was right not to send it.
 */
const SUBSCRIPTION_SETTLE_MS = 1000;

/** How often the clock settles deadlines (missing events land in the window they fell due in). */
const SWEEP_EVERY_MS = 250;
const PROGRESS_EVERY_MS = 1000;

/**
 * The webhook-sink step: while other steps create and close rooms, a
 * loopback sink subscribed to the target's webhooks measures their delivery.
 *
 * It starts listening in `setup` (on the run's events first, then on HTTP),
 * and its `run` returns only once the rooms of the steps it watches are
 * accounted for: it waits until those steps have ended (their step-end on
 * the bus), then until every room they announced has its webhook or has
 * spent its delivery budget. So it is meant to run alongside them (a
 * parallel group, or started before them); a sink with nothing alongside it
 * ends with `errored` after `startTimeout` instead of hanging until the run's
 * deadline. Options and thresholds are validated when the step is created.
 */
export function createWebhookSinkStep(options: WebhookSinkStepOptions): Step {
  const resolved = resolveSinkOptions(options);
  let session: SinkSession | undefined;
  return {
    name: resolved.name,
    kind: 'webhook-sink',
    setup: async (ctx) => {
      session = await SinkSession.open(resolved, ctx);
    },
    run: async (ctx) => {
      if (session === undefined) session = await SinkSession.open(resolved, ctx);
      return session.run(ctx);
    },
    teardown: async () => {
      await session?.close();
    },
  };
}

class SinkSession {
  private readonly registry: MetricsRegistry;
  private readonly ledger: DeliveryLedger;
  private readonly watched: WatchedSteps;
  private readonly windows: WindowSummary[] = [];
  private readonly startedAt = new Date();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribeBus: (() => void) | undefined;
  private subscription: SinkSubscription | undefined;
  /** Room events of watched steps are expected from this moment (the target delivers only once subscribed). */
  private subscribedAt: number | undefined;
  private announcedBeforeSubscription = 0;
  private newMessages = 0;
  private slos: Slo[];
  /** How payloads are read (the target profile's event pointers); set once the profile is loaded. */
  private api: RoomApi | undefined;

  private constructor(
    private readonly options: ResolvedSinkOptions,
    private readonly ctx: StepContext,
  ) {
    this.registry = new MetricsRegistry({ windowMs: options.windowMs });
    this.watched = new WatchedSteps(options.name, options.steps);
    this.ledger = new DeliveryLedger({ registry: this.registry, budgetMs: options.deliveryBudgetMs, classify: (body) => this.classify(body) });
    this.slos = options.slos;
  }

  /** Listen on the bus, then start the sink and subscribe it; a failure leaves nothing running. */
  static async open(options: ResolvedSinkOptions, ctx: StepContext): Promise<SinkSession> {
    if (ctx.subscribe === undefined) {
      throw new Error(
        "the webhook-sink step needs the run's events (StepContext.subscribe) to know which rooms to expect; run it through runPlan with `subscribe`",
      );
    }
    const session = new SinkSession(options, ctx);
    // The bus first, before anything is awaited: a step started alongside must not start (or announce a room) unseen.
    session.unsubscribeBus = ctx.subscribe((event) => session.onRunEvent(event));
    try {
      const profile = await profileOf(ctx.target);
      const client = createProfileClient(profile, {
        baseUrl: ctx.target.baseUrl,
        clientId: ctx.target.credentials.clientId,
        clientSecret: ctx.target.credentials.clientSecret,
      });
      session.api = client.api;
      session.subscription = await subscribeSink(profile, client, {
        receive: { answer: (delivery) => session.answer(delivery), onDelivery: (delivery) => session.onDelivery(delivery) },
        listenPort: options.listenPort,
        env: process.env,
        signal: ctx.signal,
      });
    } catch (error) {
      await session.close();
      throw error;
    }
    session.subscribedAt = Date.now();
    session.useSignatures(session.subscription);
    session.startClocks();
    return session;
  }

  async run(ctx: StepContext): Promise<WebhookSinkStepResult> {
    const signal = ctx.signal;
    const startBy = Date.now() + this.options.startTimeoutMs;
    let nothingAlongside = false;
    while (!this.watched.done && !signal.aborted) {
      if (this.watched.anyStarted) {
        await this.watched.changed(signal);
        continue;
      }
      if (Date.now() >= startBy) {
        nothingAlongside = true;
        break;
      }
      const woken = new AbortController();
      const either = AbortSignal.any([signal, woken.signal]);
      await Promise.race([this.watched.changed(either), sleep(startBy - Date.now(), either)]);
      woken.abort();
    }
    // The watched steps are over: wait for the webhooks of their last rooms, at most one budget.
    while (!signal.aborted && !nothingAlongside && this.ledger.outstanding > 0) {
      this.ledger.sweep(Date.now());
      if (this.ledger.outstanding === 0) break;
      await sleep(SWEEP_EVERY_MS, signal);
    }
    return this.finish(signal.aborted, nothingAlongside);
  }

  /** Stop everything this session started; safe to call twice. */
  async close(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.unsubscribeBus?.();
    this.unsubscribeBus = undefined;
    await this.subscription?.close();
  }

  private async finish(interrupted: boolean, nothingAlongside: boolean): Promise<WebhookSinkStepResult> {
    // Stop receiving first, so the figures below are final.
    await this.close();
    this.ledger.sweep(Date.now());
    const pending = this.ledger.close();
    this.registry.finish();
    this.flushLastWindow();
    const verdicts = nothingAlongside ? [] : evaluateSlos(this.slos, this.registry, deliveryMetricCatalog());
    for (const verdict of verdicts) this.ctx.emit({ type: 'slo', at: Date.now(), step: this.options.name, verdict });
    const subscription = this.subscription;
    if (subscription === undefined) throw new Error('the webhook sink was never subscribed');
    const summary = buildSinkSummary({
      registry: this.registry,
      ledger: this.ledger,
      pending,
      subscription: { kind: subscription.kind, url: subscription.url, signature: subscription.signature, verified: signingSecret(subscription) !== undefined },
      watched: this.options.steps === undefined ? this.watched.seen() : [...this.options.steps],
      deliveryBudgetMs: this.options.deliveryBudgetMs,
      announcedBeforeSubscription: this.announcedBeforeSubscription,
      windows: this.windows,
    });
    const { status, reason } = sinkVerdict({ interrupted, nothingAlongside, startTimeoutMs: this.options.startTimeoutMs, summary, verdicts });
    const finished = new Date();
    return {
      name: this.options.name,
      kind: 'webhook-sink',
      status,
      ...(reason === undefined ? {} : { reason }),
      startedAt: this.startedAt.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - this.startedAt.getTime(),
      checks: [],
      slos: verdicts,
      summary,
      artifacts: [],
    };
  }

  private onRunEvent(event: RunEvent): void {
    this.watched.observe(event);
    if (event.type !== 'room' || !this.watched.watches(event.step)) return;
    // A room the target may have made before it had the subscription is not expected: one announced
    // before the subscription was confirmed, or so soon after that its API call was still in flight.
    if (this.subscribedAt === undefined || event.at < this.subscribedAt + SUBSCRIPTION_SETTLE_MS) {
      this.announcedBeforeSubscription++;
      return;
    }
    this.ledger.announce(event);
  }

  private onDelivery(delivery: Delivery): void {
    this.ledger.receive(delivery);
  }

  /** 204, or 503 to the first attempt of every n-th message when `refuseEvery` asks the sender to prove it redelivers. */
  private answer(delivery: Omit<Delivery, 'answered'>): number {
    const id = delivery.headers['webhook-id'];
    if (this.options.refuseEvery === 0 || id === undefined || this.ledger.hasSeen(id)) return 204;
    this.newMessages++;
    return this.newMessages % this.options.refuseEvery === 0 ? 503 : 204;
  }

  private classify(body: string): ClassifiedPayload {
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return {};
    }
    return this.api?.webhookEventOf(payload) ?? {};
  }

  private useSignatures(subscription: SinkSubscription): void {
    const log = (message: string) => this.ctx.emit({ type: 'log', at: Date.now(), step: this.options.name, level: 'info', message });
    const secret = signingSecret(subscription);
    if (secret !== undefined) {
      this.ledger.useJudge(new SignatureJudge(secret, this.options.timestampToleranceMs));
      return;
    }
    const why =
      subscription.signature === 'none'
        ? 'the target profile says deliveries are not signed'
        : 'no signing secret is known (the subscribe answer has none where rooms.webhooks.subscribe.secret points, or outOfBand.secret is unset)';
    log(`signatures are not judged: ${why}`);
    if (this.options.defaultSlos) this.slos = this.slos.filter((slo) => !SIGNATURE_SLO_METRICS.includes(slo.metric));
  }

  private startClocks(): void {
    const name = this.options.name;
    this.timers.push(
      setInterval(() => this.ledger.sweep(Date.now()), SWEEP_EVERY_MS),
      setInterval(() => this.pushWindow(sinkWindowSummary(this.registry.closeWindow())), this.options.windowMs),
      setInterval(() => {
        const r = this.registry;
        this.ctx.emit({
          type: 'progress',
          at: Date.now(),
          step: name,
          progress: {
            elapsedMs: r.durationMs,
            figures: {
              expected: r.counter(C.expected),
              delivered: r.counter(C.delivered),
              missing: r.counter(C.missing),
              waiting: this.ledger.outstanding,
              duplicates: r.counter(C.duplicates),
            },
          },
        });
      }, PROGRESS_EVERY_MS),
    );
    for (const timer of this.timers) timer.unref();
  }

  private pushWindow(window: WindowSummary): void {
    this.windows.push(window);
    this.ctx.emit({ type: 'window', at: Date.now(), step: this.options.name, window });
  }

  /** After registry.finish(): the last window, unless a timer already emitted it (then its copy is updated). */
  private flushLastWindow(): void {
    const last = this.registry.windows().at(-1);
    const emitted = this.windows.at(-1);
    if (last === undefined || emitted?.endMs === last.endMs) return;
    if (emitted !== undefined && emitted.startMs === last.startMs) this.windows[this.windows.length - 1] = sinkWindowSummary(last);
    else this.pushWindow(sinkWindowSummary(last));
  }
}

/** The secret deliveries are verified with: none when the profile says they are unsigned, or none is known. */
function signingSecret(subscription: SinkSubscription): string | undefined {
  return subscription.signature === 'standard-webhooks' ? subscription.secret : undefined;
}

interface SinkVerdictInput {
  interrupted: boolean;
  nothingAlongside: boolean;
  startTimeoutMs: number;
  summary: WebhookSinkSummary;
  verdicts: readonly SloVerdict[];
}

/** The step's status and reason: interrupted > errored (nothing ran alongside) > failed (an SLO not met) > passed. */
export function sinkVerdict(input: SinkVerdictInput): { status: StepStatus; reason?: string } {
  if (input.interrupted) return { status: 'interrupted', reason: 'interrupted; the figures cover the part that ran' };
  if (input.nothingAlongside) {
    return {
      status: 'errored',
      reason:
        `no step started alongside the sink within ${Math.round(input.startTimeoutMs / 1000)} s: it judges the webhooks of rooms other steps create while it listens, ` +
        'so it must run at the same time as them (start it with or before the load step that creates and closes rooms)',
    };
  }
  const bad = input.verdicts.filter((v) => v.status !== 'passed');
  if (bad.length > 0) {
    const t = input.summary.totals;
    const before = input.summary.announcedBeforeSubscription;
    const noRooms = t.expected === 0 ? `; no watched step announced a room after the sink had subscribed${before > 0 ? ` (${before} before)` : ''}` : '';
    return {
      status: 'failed',
      reason: `${bad.length} of ${input.verdicts.length} SLOs not met: ${bad.map((v) => `${v.expression} (${v.status === 'no-data' ? 'no data' : `observed ${formatObserved(v.observed, v.unit)}`})`).join('; ')}${noRooms}`,
    };
  }
  return { status: 'passed' };
}
