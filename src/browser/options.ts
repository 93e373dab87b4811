import type { ShardSpec } from '../shard/shard-spec.js';

/**
 * Options of the browser-participants step. Plain, serializable data (no
 * functions, no class instances) so a scenario YAML maps onto them one to one,
 * except `adapter`, which may be a `PageAdapter` object with hooks (a
 * scenario names its module path instead). Every field is optional; the
 * defaults are in `BROWSER_DEFAULTS`.
 */

import type { PageAdapter } from './adapters/types.js';
import type { CohortOptions } from './cohorts/place-cohorts.js';
export type { CohortOptions };
import { FAILURE_LABELS, type FailureLabel } from '../model/browser-summary.js';
export { FAILURE_LABELS, type FailureLabel };

/**
 * One thing the adapter does on the page before waiting for `joined`, in order.
 * `text` may contain `{name}` (the participant's name) and `{room}` (its room id
 * or index).
 */
export type AdapterAction =
  { fill: string; text: string; timeoutMs?: number } | { click: string; timeoutMs?: number } | { waitFor: string; timeoutMs?: number };

/**
 * A page state, as a CSS selector (true when an element matches) or a JS
 * expression evaluated in the page (true when truthy). Exactly one of the two.
 */
export type PagePredicate = { selector: string } | { expression: string };

/** A refusal the page shows, mapped to a failure label. */
export type RefusalPredicate = PagePredicate & {
  /** The label a participant gets when this predicate holds; default `navigation_error`. */
  label?: FailureLabel;
};

/**
 * How to drive one join page: what to do on it, and how to tell "I am in" from
 * "I was refused". Only selectors and expressions: the generic probe measures
 * media on every page without page-specific code.
 */
export interface Adapter {
  /** Shown in reports. */
  name?: string;
  /** Query parameter that carries the participant's name (appended to the join URL), e.g. `name`. */
  nameParam?: string;
  /** Done in order after DOMContentLoaded. */
  steps?: AdapterAction[];
  /** True once the participant is in the room. */
  joined: PagePredicate;
  /** Refusals the page can show, checked together with `joined`; the first that holds wins. */
  refused?: RefusalPredicate[];
  /** Optional actions that leave the room politely before the page is closed (e.g. click "Leave"). */
  leave?: AdapterAction[];
}

/** When a value crosses one of these, the harness (not the target) is the bottleneck: the step is `invalid`. */
export interface OverloadThresholds {
  /**
   * Host CPU busy fraction (all cores, 0..1) that counts as overload when it
   * lasts `cpuSustainedMs`. Values above 1 disable the check. Default 2
   * (disabled): a saturating bench keeps Chromium at 100 % CPU while every
   * participant still gets its frames, so CPU alone says nothing about the
   * figures; the event-loop and encoder signals do. Saturation is reported
   * either way (`overload.peakHostCpu`, `overload.hostCpuSaturatedMs`).
   */
  maxHostCpu?: number;
  /** How long the host CPU must stay above `maxHostCpu` to count. Default 5000 ms. */
  cpuSustainedMs?: number;
  /** p99 event-loop delay of the harness process over any 1 s window. Default 500 ms; 0 disables. */
  maxEventLoopDelayMs?: number;
  /**
   * Fraction of joined participants whose encoder reports
   * `qualityLimitationReason = "cpu"` at the end of the hold. Default 0.5;
   * values above 1 disable the check.
   */
  maxCpuLimitedFraction?: number;
}

export interface ParticipantPlan {
  /** Display name; unique within the step. */
  name: string;
  /** The URL the participant opens. */
  joinUrl: string;
  /** Which room (for grouping, consistency checks and reports). */
  room: string;
  /** 0-based position in the step. */
  index: number;
  /** 0-based room index. */
  roomIndex: number;
  /** The room's id on the target or media server, when the step created it. */
  roomId?: string;
}

export interface BrowserStepOptions {
  /** Step name in reports. Default `browser`. */
  name?: string;
  /** Rooms created through the API (ignored when `joinUrls` is set). Default 1. */
  rooms?: number;
  /** Participants per room. Default 2. */
  participants?: number;
  /** `max_participants` of created rooms; default: the API's default (10). */
  maxParticipants?: number;
  /** Create private rooms; each participant then joins with its own join token. Default false. */
  privateRooms?: boolean;
  /**
   * Join these URLs directly instead of creating rooms; each URL is one room
   * and gets `participants` participants. API consistency checks are skipped
   * for rooms the step did not create (it does not know their ids).
   */
  joinUrls?: string[];
  /**
   * Arrival of participants: `burst` (all at once, a join storm) or a ramp
   * of N per second. Default `burst`.
   */
  arrival?: { kind: 'burst' } | { kind: 'ramp'; perSecond: number };
  /** How long everyone stays after the last participant settled, sampling stats. Default 5000 ms. */
  holdMs?: number;
  /** How often stats are sampled during the hold. Default 1000 ms. */
  sampleIntervalMs?: number;
  /**
   * Length of the time windows quality is summarised in (window events, the
   * timeline, sliding-window SLOs). Default 5000 ms.
   */
  windowMs?: number;
  /**
   * Network cohorts: named groups of the participants, each with its share
   * and a network profile (bandwidth, loss, delay, timed changes such as a
   * blackout). Each participant of a cohort runs in its own network
   * namespace behind a link shaped with the profile (docs/browser.md,
   * "Cohorts"); needs root (or CAP_NET_ADMIN), iproute2 and nftables. SLOs
   * can judge one cohort: `lossy:packet_loss.p95 < 1%`.
   */
  cohorts?: CohortOptions[];
  /**
   * The adapter: a declarative `Adapter` (the JSON/YAML form) or a
   * `PageAdapter` object (see adapters/types.ts); default: the reference
   * join page's adapter. Scenarios and the CLI name a module or file path
   * instead, which `resolveAdapter` turns into one of these before the step
   * is created.
   */
  adapter?: Adapter | PageAdapter;
  /** Navigation (to DOMContentLoaded) deadline per participant. Default 15000 ms. */
  navigationTimeoutMs?: number;
  /** From navigation start until `joined` (or a refusal). Default 20000 ms. */
  joinTimeoutMs?: number;
  /** From `joined` until the first rendered remote frame. Default 20000 ms. */
  mediaTimeoutMs?: number;
  /** Decoding that stops for this long during the hold is a frozen video. Default 3000 ms. */
  frozenAfterMs?: number;
  /** Deadline for participant_count/status to reach the true values (the seed's propagation budget). Default 5000 ms. */
  propagationBudgetMs?: number;
  /**
   * Run a local webhook sink, subscribe it through the API and require one
   * `participant.joined` and one `participant.left` per participant. Default false.
   */
  webhooks?: boolean;
  /** Participants per browser process; more participants shard over more browsers. Default 8. */
  participantsPerBrowser?: number;
  /** A `.y4m` file the fake camera plays (`--use-file-for-fake-video-capture`). */
  fakeVideoFile?: string;
  /**
   * When no `fakeVideoFile` is given, play a generated low-resolution clip
   * (160×120 at 10 fps) instead of Chromium's default 640×480 pattern, so
   * more participants fit on one host. Default true.
   */
  lowResolution?: boolean;
  /**
   * Extra Chromium command-line flags, appended after roomgate's own
   * (`launch/chromium-flags.ts`), e.g. to compare flag sets in a bench.
   */
  chromiumArgs?: string[];
  /**
   * Nice value given to every Chromium process (0 keeps the harness's own
   * priority). Default 10: Chromium is the load and the harness the
   * instrument, so on a saturated host the harness's timers stay on time
   * while Chromium takes every remaining cycle (see BrowserPool.deprioritize).
   */
  browserNice?: number;
  /** Chromium binary; default `PUPPETEER_EXECUTABLE_PATH` or `/usr/bin/chromium`. */
  executablePath?: string;
  /** Overload detection; see `OverloadThresholds`. */
  overload?: OverloadThresholds;
  /**
   * SLO expressions over the step's metrics (`join_time`, `setup_time`,
   * `time_to_first_frame`, `success_rate`, ...), parsed before the run starts.
   */
  slos?: string[];
  /** Name prefix of participants. Default `rg`. */
  namePrefix?: string;
  /**
   * One shard of a distributed run: `rooms` (or `joinUrls`) and a ramp's
   * `perSecond` are totals and this process takes its share of them
   * (browser-shard.ts); room and participant names carry the shard.
   */
  shard?: ShardSpec;
  /** Epoch ms at which the arrivals start (after browsers are up), so every shard begins together (`--start-at`). */
  startAtMs?: number;
}

export const BROWSER_DEFAULTS = {
  rooms: 1,
  participants: 2,
  privateRooms: false,
  arrival: { kind: 'burst' } as NonNullable<BrowserStepOptions['arrival']>,
  holdMs: 5000,
  sampleIntervalMs: 1000,
  windowMs: 5000,
  navigationTimeoutMs: 15_000,
  joinTimeoutMs: 20_000,
  mediaTimeoutMs: 20_000,
  frozenAfterMs: 3000,
  propagationBudgetMs: 5000,
  webhooks: false,
  participantsPerBrowser: 8,
  lowResolution: true,
  browserNice: 10,
  namePrefix: 'rg',
  overload: {
    maxHostCpu: 2,
    cpuSustainedMs: 5000,
    maxEventLoopDelayMs: 500,
    maxCpuLimitedFraction: 0.5,
  } satisfies Required<OverloadThresholds>,
} as const;
