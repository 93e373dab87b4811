import type { EventSink, RunEvent } from '../model/events.js';

/**
 * One bus, many subscribers (console, events.ndjson, report builder), each
 * isolated: a subscriber that throws is switched off and the failure is
 * announced once as a `log` event to the others, so one broken reporter can
 * never kill a run (Playwright's multiplexer, in a dozen lines).
 */
export interface EventBus {
  emit: EventSink;
  subscribe(name: string, sink: EventSink): () => void;
}

export function createEventBus(): EventBus {
  const subscribers = new Map<string, EventSink>();
  const emit = (event: RunEvent): void => {
    for (const [name, sink] of [...subscribers]) {
      try {
        sink(event);
      } catch (error) {
        subscribers.delete(name);
        emit({ type: 'log', at: Date.now(), level: 'error', message: `reporter "${name}" failed and was switched off: ${(error as Error).message}` });
      }
    }
  };
  return {
    emit,
    subscribe(name, sink) {
      subscribers.set(name, sink);
      return () => subscribers.delete(name);
    },
  };
}
