import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../src/incident/fault-proxy.js';
import { IncidentController } from '../../src/incident/incident-controller.js';
import type { IncidentEvent } from '../../src/incident/incident-events.js';
import { parseIncidentPlan } from '../../src/incident/incident-plan.js';
import type { ProxyEvent } from '../../src/incident/proxy-events.js';

/**
 * The controller against a real fault proxy (in front of a real server) and
 * real commands: the order of what it does, and its teardown on abort. No
 * wall-clock bounds: offsets only decide the order, which the events show.
 */

let server: http.Server;
let proxy: FaultProxy;
let dir: string;
/** Incident and proxy events, in the order they happened. */
let timeline: Array<IncidentEvent | ProxyEvent>;

beforeEach(async () => {
  server = http.createServer((req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  timeline = [];
  proxy = await startFaultProxy({ target: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, onEvent: (event) => timeline.push(event) });
  dir = mkdtempSync(join(tmpdir(), 'roomgate-incident-'));
});

afterEach(async () => {
  await proxy.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function get(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** `start:x`, `end:x (reason)`, `mode:reset`, `command:start exited 0`: the timeline in words. */
function steps(): string[] {
  return timeline.flatMap((event) => {
    switch (event.type) {
      case 'incident-start':
        return [`start:${event.incident}`];
      case 'incident-end':
        return [`end:${event.incident} (${event.reason})`];
      case 'incident-command':
        return [`command:${event.phase} ${event.command.status}${event.command.exitCode === undefined ? '' : ` ${event.command.exitCode}`}`];
      case 'proxy-mode':
        return [`mode:${event.mode?.type ?? 'off'}`];
      default:
        return [];
    }
  });
}

describe('the incident controller', () => {
  it('starts and ends each incident at its offset, in order, on the proxy and through commands', async () => {
    const plan = parseIncidentPlan([
      { name: 'c', at: '300ms', for: '100ms', kind: 'command', start: ['true'], end: ['sh', '-c', 'exit 0'] },
      { name: 'a', at: '0ms', for: '100ms', kind: 'proxy', mode: { type: 'reset', share: 20 } },
      { name: 'b', at: '150ms', for: '100ms', kind: 'proxy', mode: { type: 'error' } },
    ]);
    const controller = new IncidentController({ plan, proxy, onEvent: (event) => timeline.push(event) });
    const startAt = Date.now();
    const records = await controller.run(new AbortController().signal, startAt);

    expect(steps()).toEqual([
      'start:a',
      'mode:reset',
      'mode:off',
      'end:a (scheduled)',
      'start:b',
      'mode:error',
      'mode:off',
      'end:b (scheduled)',
      'start:c',
      'command:start exited 0',
      'command:end exited 0',
      'end:c (scheduled)',
    ]);
    expect(records.map((r) => [r.incident, r.status, r.plannedStartAt - startAt])).toEqual([
      ['a', 'completed', 0],
      ['b', 'completed', 150],
      ['c', 'completed', 300],
    ]);
    const starts = timeline.filter((e) => e.type === 'incident-start');
    expect(starts.map((e) => e.type === 'incident-start' && e.description)).toEqual(['proxy reset on 20%', 'proxy error 503', 'command true']);
    expect(proxy.mode).toBeNull();
  });

  it('ends the active incidents when the run is aborted (the proxy cleared, the end command run) and never starts the later ones', async () => {
    const marks = join(dir, 'marks');
    const plan = parseIncidentPlan([
      { name: 'outage', at: '0s', for: '1m', kind: 'proxy', mode: { type: 'reset' } },
      {
        name: 'freeze',
        at: '0s',
        for: '1m',
        kind: 'command',
        start: ['sh', '-c', `echo start >> '${marks}'`],
        end: ['sh', '-c', `echo "end $ROOMGATE_INCIDENT" >> '${marks}'`],
      },
      { name: 'later', at: '2m', for: '1s', kind: 'proxy', mode: { type: 'blackhole' } },
    ]);
    const abort = new AbortController();
    let commandStarted = false;
    const controller = new IncidentController({
      plan,
      proxy,
      onEvent: (event) => {
        timeline.push(event);
        if (event.type === 'incident-command' && event.phase === 'start') commandStarted = true;
      },
    });
    const running = controller.run(abort.signal);
    while (!commandStarted || proxy.mode === null) await new Promise((resolve) => setTimeout(resolve, 5));

    // The outage is on: a request through the proxy is reset. Then the run is aborted.
    expect(await get(`${proxy.url}/during`)).toBe('ECONNRESET');
    abort.abort();
    const records = await running;

    expect(records.map((r) => [r.incident, r.status])).toEqual([
      ['outage', 'interrupted'],
      ['freeze', 'interrupted'],
      ['later', 'not-started'],
    ]);
    expect(readFileSync(marks, 'utf8')).toBe('start\nend freeze\n');
    expect(steps().filter((s) => s.startsWith('end:'))).toEqual(expect.arrayContaining(['end:outage (aborted)', 'end:freeze (aborted)']));
    expect(steps()).not.toContain('start:later');
    expect(proxy.mode).toBeNull();
    expect(await get(`${proxy.url}/after`)).toBe('200');
  });

  it('ends an incident at once when its start command fails, still running its end command', async () => {
    const marks = join(dir, 'marks');
    const plan = parseIncidentPlan([
      {
        name: 'restart',
        at: '0s',
        for: '10m',
        kind: 'command',
        start: ['sh', '-c', 'echo "unit not found" >&2; exit 3'],
        end: ['sh', '-c', `echo undo >> '${marks}'`],
      },
    ]);
    const records = await new IncidentController({ plan, onEvent: (event) => timeline.push(event) }).run(new AbortController().signal);
    expect(records).toMatchObject([
      {
        incident: 'restart',
        status: 'failed',
        reason: 'its start command exited with 3',
        commands: { start: { status: 'exited', exitCode: 3, stderrTail: 'unit not found\n' }, end: { status: 'exited', exitCode: 0 } },
      },
    ]);
    expect(readFileSync(marks, 'utf8')).toBe('undo\n');
    expect(steps()).toEqual(['start:restart', 'command:start exited 3', 'command:end exited 0', 'end:restart (start-failed)']);
  });

  it('runs no end command when the start command could not be started, and says why', async () => {
    const marks = join(dir, 'marks');
    const plan = parseIncidentPlan([
      { name: 'missing', at: '0s', for: '10m', kind: 'command', start: ['/nonexistent/failover-drill'], end: ['sh', '-c', `echo undo >> '${marks}'`] },
    ]);
    const records = await new IncidentController({ plan, onEvent: (event) => timeline.push(event) }).run(new AbortController().signal);
    expect(records).toMatchObject([{ status: 'failed', commands: { start: { status: 'failed-to-start', error: { code: 'ENOENT' } } } }]);
    expect(records[0]?.status === 'failed' && records[0].commands?.end).toBeUndefined();
    expect(() => readFileSync(marks)).toThrow();
    expect(steps()).toEqual(['start:missing', 'command:start failed-to-start', 'end:missing (start-failed)']);
  });

  it('reports an end command that fails as a failed incident', async () => {
    const plan = parseIncidentPlan([{ name: 'resume', at: '0s', for: '10ms', kind: 'command', start: ['true'], end: ['false'] }]);
    const records = await new IncidentController({ plan }).run(new AbortController().signal);
    expect(records).toMatchObject([{ status: 'failed', reason: 'its end command exited with 1' }]);
  });

  it('starts nothing when the run is already aborted', async () => {
    const plan = parseIncidentPlan([{ at: '0s', for: '1s', kind: 'proxy', mode: { type: 'blackhole' } }]);
    const records = await new IncidentController({ plan, proxy, onEvent: (event) => timeline.push(event) }).run(AbortSignal.abort());
    expect(records.map((r) => r.status)).toEqual(['not-started']);
    expect(timeline).toEqual([]);
  });

  it('refuses a plan with proxy incidents when it is given no proxy', () => {
    const plan = parseIncidentPlan([{ name: 'slow', at: '0s', for: '1s', kind: 'proxy', mode: { type: 'latency', delay: '1s' } }]);
    expect(() => new IncidentController({ plan })).toThrow(/"slow" needs the fault proxy/);
  });
});
