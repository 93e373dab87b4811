import type { MetricsRegistry } from '../../metrics/registry.js';
import type { LatencySummary } from '../../metrics/summary.js';
import type { CohortChangeSummary, CohortSummary, QualitySummary } from '../../model/browser-summary.js';
import { BROWSER_COUNTERS, BROWSER_SERIES, qualityScale, QUALITY_DISTRIBUTIONS, QUALITY_LATENCIES, type QualityMetric } from '../browser-metrics.js';
import { wilsonInterval } from '../wilson.js';

export const QUALITY_METRICS = [...Object.keys(QUALITY_DISTRIBUTIONS), ...Object.keys(QUALITY_LATENCIES)] as QualityMetric[];

/** A quality series of the registry in its own unit (the stored scale undone), for all cohorts or one. */
export function qualityDistribution(registry: MetricsRegistry, metric: QualityMetric, operation?: string): LatencySummary {
  return unscale(registry.summary(metric, { operation }), qualityScale(metric));
}

/** Every quality figure of the registry, for all cohorts or one (`operation`). */
export function qualitySummary(registry: MetricsRegistry, operation?: string): QualitySummary {
  const d = (metric: QualityMetric) => qualityDistribution(registry, metric, operation);
  return {
    fps: d('fps'),
    bitrate: d('bitrate'),
    frame_height: d('frame_height'),
    packet_loss: d('packet_loss'),
    jitter: d('jitter'),
    rtt: d('rtt'),
    mos: d('mos'),
    freeze_ratio: d('freeze_ratio'),
    audio_concealment: d('audio_concealment'),
    video_recovery_time: d('video_recovery_time'),
    freezes: registry.counter(BROWSER_COUNTERS.freezes, { operation }),
    frames_dropped: registry.counter(BROWSER_COUNTERS.framesDropped, { operation }),
    frames_decoded: registry.counter(BROWSER_COUNTERS.framesDecoded, { operation }),
    video_not_recovered: registry.counter(BROWSER_COUNTERS.videoNotRecovered, { operation }),
  };
}

/** What a step knows of a cohort besides its measurements. */
export interface CohortDescription {
  name: string;
  share: number;
  network: string;
  changes: CohortChangeSummary[];
}

/** Each cohort's figures, read from the registry under its operation (the cohort's name). */
export function cohortSummaries(registry: MetricsRegistry, cohorts: readonly CohortDescription[]): CohortSummary[] {
  return cohorts.map((cohort) => {
    const operation = cohort.name;
    const participants = registry.counter(BROWSER_COUNTERS.participants, { operation });
    return {
      name: cohort.name,
      share: cohort.share,
      network: cohort.network,
      participants,
      successRate: wilsonInterval(registry.counter(BROWSER_COUNTERS.succeeded, { operation }), participants),
      latency: {
        join_time: registry.summary(BROWSER_SERIES.joinTime, { operation }),
        setup_time: registry.summary(BROWSER_SERIES.setupTime, { operation }),
        time_to_first_frame: registry.summary(BROWSER_SERIES.timeToFirstFrame, { operation }),
      },
      quality: qualitySummary(registry, operation),
      changes: cohort.changes,
    };
  });
}

function unscale(summary: LatencySummary, scale: number): LatencySummary {
  if (scale === 1 || summary.count === 0) return summary;
  const f = (v: number) => Number((v / scale).toPrecision(6));
  return {
    count: summary.count,
    min: f(summary.min),
    mean: f(summary.mean),
    p50: f(summary.p50),
    p90: f(summary.p90),
    p95: f(summary.p95),
    p99: f(summary.p99),
    p999: f(summary.p999),
    max: f(summary.max),
  };
}
