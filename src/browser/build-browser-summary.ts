import type { MetricsRegistry } from '../metrics/registry.js';
import type { ShardSpec } from '../shard/shard-spec.js';
import type { StartSync } from '../shard/start-at.js';
import { BROWSER_SERIES } from './browser-metrics.js';
import type { FailureLabel } from './options.js';
import type { OverloadReport } from './overload-monitor.js';
import type { BrowserStepSummary, HoldCpuSummary, ParticipantSummary, RoomSummary } from '../model/browser-summary.js';
import { cohortSummaries, qualitySummary, type CohortDescription } from './quality/quality-summary.js';
import { wilsonInterval } from './wilson.js';

/** What a browser summary is made of: one run's participants, or every shard's side by side. */
export interface BrowserSummaryParts {
  adapter: string;
  arrival: string;
  layout: string;
  holdMs: number;
  /** Browser processes (summed over shards). */
  shards: number;
  rooms: RoomSummary[];
  participants: ParticipantSummary[];
  failures: Partial<Record<FailureLabel, number>>;
  /** The join/setup/first-frame histograms and participant counters (a run's own, or merged from shards). */
  registry: MetricsRegistry;
  overload: OverloadReport & { overloaded: boolean };
  browserRssBytes?: number | undefined;
  holdCpu?: HoldCpuSummary | undefined;
  statsResolutionMs: number;
  runShard?: ShardSpec | undefined;
  sync?: StartSync | undefined;
  /** The step's cohorts (their figures are read from the registry under their names). */
  cohorts?: readonly CohortDescription[] | undefined;
}

/**
 * The browser step's summary, built one way for a run and for a merge of
 * shards: the success rate (with its Wilson interval) over every participant,
 * the latency and quality figures read from the registry (for each cohort
 * too), RSS per participant, and the
 * serialized registry the report and later merges read.
 */
export function buildBrowserSummary(parts: BrowserSummaryParts): BrowserStepSummary {
  const { participants, registry, browserRssBytes: rss } = parts;
  return {
    kind: 'browser',
    adapter: parts.adapter,
    arrival: parts.arrival,
    layout: parts.layout,
    holdMs: parts.holdMs,
    shards: parts.shards,
    rooms: parts.rooms,
    participants,
    successRate: wilsonInterval(participants.filter((p) => p.status === 'joined').length, participants.length),
    failures: parts.failures,
    latency: {
      join_time: registry.summary(BROWSER_SERIES.joinTime),
      setup_time: registry.summary(BROWSER_SERIES.setupTime),
      time_to_first_frame: registry.summary(BROWSER_SERIES.timeToFirstFrame),
    },
    quality: qualitySummary(registry),
    ...(parts.cohorts === undefined ? {} : { cohorts: cohortSummaries(registry, parts.cohorts) }),
    overload: parts.overload,
    ...(rss === undefined ? {} : { browserRssBytes: rss, rssPerParticipantBytes: Math.round(rss / Math.max(1, participants.length)) }),
    ...(parts.holdCpu === undefined ? {} : { holdCpu: parts.holdCpu }),
    statsResolutionMs: parts.statsResolutionMs,
    metrics: registry.serialize(),
    ...(parts.runShard === undefined ? {} : { runShard: parts.runShard }),
    ...(parts.sync === undefined ? {} : { sync: parts.sync }),
  };
}
