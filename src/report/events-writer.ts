import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventSink, RunEvent } from '../model/events.js';
import type { Redactor } from './redact.js';

export const EVENTS_FILE = 'events.ndjson';

export interface EventsWriter {
  /** Subscribe this to the run's event bus. */
  sink: EventSink;
  /** How many events were written. */
  readonly count: number;
  close(): void;
}

/**
 * Appends every RunEvent to events.ndjson as one JSON line, the moment it
 * happens. Writes are synchronous on purpose: each line is in the kernel
 * before the next event is handled, so a run killed with SIGKILL (or a
 * crashed process) still leaves every event it emitted. The cost, one small
 * write per event, is negligible next to the events' rate (checks, 10 s
 * windows, progress ticks). A write error (disk full) stops the writer
 * instead of the run; the error is reported once through `onError`.
 */
export function createEventsWriter(path: string, options: { redactor?: Redactor; onError?: (error: Error) => void } = {}): EventsWriter {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | undefined = openSync(path, 'a');
  let count = 0;
  const sink = (event: RunEvent): void => {
    if (fd === undefined) return;
    const safe = options.redactor === undefined ? event : options.redactor.value(event);
    try {
      writeSync(fd, `${JSON.stringify(safe)}\n`);
      count += 1;
    } catch (error) {
      const failed = fd;
      fd = undefined;
      try {
        closeSync(failed);
      } catch {
        // already failing; the first error is the one worth reporting
      }
      options.onError?.(error as Error);
    }
  };
  return {
    sink,
    get count() {
      return count;
    },
    close() {
      if (fd === undefined) return;
      closeSync(fd);
      fd = undefined;
    },
  };
}

/** Read an events.ndjson back, skipping a torn last line (the process died mid-write). */
export function parseEventsNdjson(text: string): RunEvent[] {
  const events: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      // only the last line can be torn; anything else is equally unreadable
    }
  }
  return events;
}
