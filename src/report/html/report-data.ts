import { decodeHistogram, unitsToMs } from '../../metrics/histogram.js';
import type { RunReport } from '../report-json.js';

/**
 * What the HTML page's script gets: the report itself plus figures computed
 * here in Node where the metrics code lives (the page should not ship an HDR
 * decoder): for every serialized histogram, its percentile spectrum.
 */
export interface HistogramSpectrum {
  step: string;
  key: string;
  count: number;
  /** [percentile, latency ms] points, HdrHistogram's classic percentile plot. */
  points: [number, number][];
}

export interface ReportPageData {
  report: RunReport;
  spectra: HistogramSpectrum[];
}

const PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 100];

export function buildPageData(report: RunReport): ReportPageData {
  const spectra: HistogramSpectrum[] = [];
  for (const [step, histograms] of Object.entries(report.histograms)) {
    for (const [key, value] of Object.entries(histograms)) {
      collect(step, key, value, spectra);
    }
  }
  return { report, spectra };
}

/** Serialized histograms may be nested (`{ create_room: { latency: "HIST…" } }`); take every base64 leaf. */
function collect(step: string, key: string, value: unknown, out: HistogramSpectrum[]): void {
  if (out.length >= 64) return;
  if (typeof value === 'string') {
    try {
      const histogram = decodeHistogram(value);
      if (histogram.totalCount > 0) {
        out.push({
          step,
          key,
          count: histogram.totalCount,
          points: PERCENTILES.map((p) => [p, unitsToMs(histogram.getValueAtPercentile(p))]),
        });
      }
    } catch {
      // not a histogram (or from another version): the page simply omits it
    }
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [child, inner] of Object.entries(value)) collect(step, `${key}.${child}`, inner, out);
  }
}
