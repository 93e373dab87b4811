import type { BrowserPool } from '../launch/browser-pool.js';
import { treeCpuSeconds, treeRssBytes } from '../launch/process-memory.js';
import type { Participant } from '../participant/participant.js';
import type { HoldCpuSummary } from '../../model/browser-summary.js';
import { sleep } from '../../abortable-sleep.js';
import { round3 } from '../../round3.js';

export interface HoldOutcome {
  browserRssBytes?: number;
  holdCpu?: HoldCpuSummary;
}

/**
 * The hold: every participant in the room samples its stats every
 * `intervalMs` until `holdMs` is over (`onSampled` is told after each round,
 * so quality goes into the registry as the hold goes on); browser RSS is
 * read half-way and the CPU of the browsers' process trees (and this
 * process) over the whole hold.
 */
export async function hold(
  pool: BrowserPool,
  inRoom: readonly Participant[],
  holdMs: number,
  intervalMs: number,
  signal: AbortSignal,
  onSampled: () => void = () => {},
): Promise<HoldOutcome> {
  // Read concurrently: walking the browsers' process trees takes seconds on a busy host, and the
  // sampling rounds (quality is a time series) must keep their pace meanwhile.
  let rssReading: Promise<number | undefined> | undefined;
  const holdEnd = Date.now() + holdMs;
  const cpuAtHoldStart = { browser: await treeCpuSeconds(pool.pids()), harness: process.cpuUsage(), at: Date.now() };
  while (!signal.aborted) {
    await Promise.all(inRoom.map((p) => p.sample()));
    onSampled();
    if (rssReading === undefined && Date.now() >= holdEnd - holdMs / 2) rssReading = treeRssBytes(pool.pids());
    if (Date.now() + intervalMs > holdEnd) break;
    await sleep(intervalMs, signal);
  }
  // How many cores the browsers (and this process) kept busy during the hold, whatever else ran on the host.
  let holdCpu: HoldCpuSummary | undefined;
  const browserCpuAtHoldEnd = await treeCpuSeconds(pool.pids());
  const holdWindowMs = Date.now() - cpuAtHoldStart.at;
  if (cpuAtHoldStart.browser !== undefined && browserCpuAtHoldEnd !== undefined && holdWindowMs > 0 && inRoom.length > 0) {
    const harness = process.cpuUsage(cpuAtHoldStart.harness);
    const browserCores = (browserCpuAtHoldEnd - cpuAtHoldStart.browser) / (holdWindowMs / 1000);
    holdCpu = {
      windowMs: holdWindowMs,
      participants: inRoom.length,
      browserCores: round3(browserCores),
      browserCoresPerParticipant: round3(browserCores / inRoom.length),
      harnessCores: round3((harness.user + harness.system) / 1000 / holdWindowMs),
    };
  }
  const browserRssBytes = (await rssReading) ?? (await treeRssBytes(pool.pids()));
  return { ...(browserRssBytes === undefined ? {} : { browserRssBytes }), ...(holdCpu === undefined ? {} : { holdCpu }) };
}
