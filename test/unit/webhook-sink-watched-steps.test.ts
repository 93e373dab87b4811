import { describe, expect, it } from 'vitest';
import { WatchedSteps } from '../../src/webhook-delivery/watched-steps.js';

describe('the steps a webhook sink waits for', () => {
  it('takes a room announced by a watched step as its start when its step-start came before the sink listened (a parallel group launches load before its slot)', () => {
    const watched = new WatchedSteps('webhooks', ['soak']);
    expect(watched.anyStarted).toBe(false);
    watched.observe({ type: 'room', at: 1, step: 'soak', event: 'created', roomId: 'rm_1' });
    expect(watched.anyStarted).toBe(true);
    expect(watched.done).toBe(false);
    watched.observe({
      type: 'step-end',
      at: 2,
      step: 'soak',
      result: { name: 'soak', kind: 'load', status: 'passed', startedAt: '', finishedAt: '', durationMs: 0, checks: [], slos: [], artifacts: [] },
    });
    expect(watched.done).toBe(true);
    expect(watched.seen()).toEqual(['soak']);
  });

  it('ignores rooms of steps it does not watch, and its own', () => {
    const watched = new WatchedSteps('webhooks', ['soak']);
    watched.observe({ type: 'room', at: 1, step: 'bursts', event: 'created', roomId: 'rm_1' });
    watched.observe({ type: 'room', at: 1, step: 'webhooks', event: 'created', roomId: 'rm_2' });
    expect(watched.anyStarted).toBe(false);
  });

  it("is done with a step when its run's phase band closes, before its step-end (a step with scoped thresholds is recorded after its whole group)", () => {
    const watched = new WatchedSteps('webhooks', ['soak']);
    watched.observe({ type: 'band', at: 1, step: 'soak', band: { id: 'soak', kind: 'phase', label: 'soak', startMs: 1 } });
    watched.observe({ type: 'room', at: 2, step: 'soak', event: 'created', roomId: 'rm_1' });
    expect(watched.done).toBe(false);
    watched.observe({ type: 'band', at: 3, step: 'soak', band: { id: 'soak', kind: 'phase', label: 'soak', startMs: 1, endMs: 3 } });
    expect(watched.done).toBe(true);
  });

  it("waits for the step-end of a recurring step: one run's band closing is not the end of the step", () => {
    const watched = new WatchedSteps('webhooks', ['bursts']);
    watched.observe({ type: 'room', at: 2, step: 'bursts', event: 'created', roomId: 'rm_1' });
    watched.observe({ type: 'band', at: 3, step: 'bursts', band: { id: 'bursts#1', kind: 'phase', label: 'bursts #1', startMs: 1, endMs: 3 } });
    expect(watched.done).toBe(false);
  });
});
