import type { ProxyEvent } from './proxy-events.js';

/**
 * What the fault proxy did to roomgate's requests, summed per time window of
 * the run's clock instead of one event per request: a reset mode that breaks
 * thousands of requests a second costs the event stream one line a window,
 * with counts per action and a bounded sample of the `X-Request-Id`s it
 * disturbed (the keys that join the proxy's doings to the clients' evidence).
 * Windows sit on the same grid as the steps' (offset 0 = the clock origin).
 */
export interface DisturbanceWindow {
  /** The proxy incident that was on (or had just ended: a blackhole releases what it held after its end). */
  incident: string;
  /** Epoch ms. */
  startMs: number;
  endMs: number;
  /** Requests per action: `delayed`, `reset`, `held`, `released`, `response-dropped`, `error-answered`, `upstream-error`. */
  counts: Record<string, number>;
  /** `X-Request-Id`s of disturbed requests (a bounded sample, the first ones of the window); `moreRequestIds` counts the rest. */
  requestIds: string[];
  moreRequestIds: number;
}

/** Request ids kept per window: enough to follow a few requests into the target's logs, bounded for a proxy that disturbs thousands. */
export const DISTURBED_IDS_PER_WINDOW = 20;

export interface DisturbanceWindowsOptions {
  /** Epoch ms of offset 0 of the grid. */
  originMs: number;
  windowMs: number;
  onWindow: (window: DisturbanceWindow) => void;
}

export class DisturbanceWindows {
  private open: { index: number; incident: string; counts: Record<string, number>; ids: string[]; more: number } | undefined;
  private readonly totals = new Map<string, Record<string, number>>();

  constructor(private readonly options: DisturbanceWindowsOptions) {}

  /** Count one proxy event for `incident` (mode switches are not disturbances and are ignored). */
  record(event: ProxyEvent, incident: string): void {
    if (event.type === 'proxy-mode') return;
    const action = event.type === 'proxy-upstream-error' ? 'upstream-error' : event.action;
    const index = Math.floor((event.at - this.options.originMs) / this.options.windowMs);
    if (this.open !== undefined && (this.open.index !== index || this.open.incident !== incident)) this.flush();
    this.open ??= { index, incident, counts: {}, ids: [], more: 0 };
    this.open.counts[action] = (this.open.counts[action] ?? 0) + 1;
    const total = this.totals.get(incident) ?? {};
    total[action] = (total[action] ?? 0) + 1;
    this.totals.set(incident, total);
    const id = event.request.requestId;
    if (id === undefined) return;
    if (this.open.ids.length < DISTURBED_IDS_PER_WINDOW) {
      if (!this.open.ids.includes(id)) this.open.ids.push(id);
    } else this.open.more += 1;
  }

  /** Hand over the open window: at once, or, given `now`, only once the clock has left it (a timer's call). */
  flush(now?: number): void {
    const open = this.open;
    if (open === undefined) return;
    const startMs = this.options.originMs + open.index * this.options.windowMs;
    const endMs = startMs + this.options.windowMs;
    if (now !== undefined && now < endMs) return;
    this.open = undefined;
    this.options.onWindow({ incident: open.incident, startMs, endMs, counts: open.counts, requestIds: open.ids, moreRequestIds: open.more });
  }

  /** Everything counted for one incident, per action (its whole time, not one window). */
  totalsOf(incident: string): Record<string, number> | undefined {
    return this.totals.get(incident);
  }
}
