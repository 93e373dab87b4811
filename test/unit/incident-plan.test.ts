import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../../src/config/yaml-source.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { parseIncidentPlan, type ParseIncidentsOptions } from '../../src/incident/incident-plan.js';

/** The errors a plan produces, as `path message` lines (empty when it parses). */
function problems(input: unknown, options?: ParseIncidentsOptions): string[] {
  try {
    parseIncidentPlan(input, options);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return (error instanceof ConfigErrors ? error.errors : [error]).map((e) => e.located);
  }
}

describe('an incident plan', () => {
  it("turns the schedule into typed incidents in start order, durations in ms, defaults filled in and each one's place in the list kept", () => {
    const plan = parseIncidentPlan([
      { name: 'sfu-freeze', at: '1m', for: '15s', kind: 'command', start: ['kill', '-STOP', '4242'], end: ['kill', '-CONT', '4242'], timeout: '5s' },
      { at: '20s', for: '10s', kind: 'proxy', mode: { type: 'latency', delay: '300ms', jitter: '50ms', share: 50 } },
      { at: '40s', for: '500ms', kind: 'proxy', mode: { type: 'error' } },
      { at: '45s', for: '1s', kind: 'proxy', mode: { type: 'blackhole' } },
      { at: '50s', for: '1s', kind: 'proxy', mode: { type: 'drop-response', share: 30 } },
      { at: '0s', for: '1m30s', kind: 'command', start: ['systemctl restart sfu'], shell: true },
    ]);
    expect(plan.incidents).toEqual([
      {
        kind: 'command',
        name: 'command@0s',
        atMs: 0,
        forMs: 90_000,
        slos: [],
        index: 5,
        start: { argv: ['systemctl restart sfu'], shell: true },
        timeoutMs: 30_000,
      },
      { kind: 'proxy', name: 'latency@20s', atMs: 20_000, forMs: 10_000, slos: [], index: 1, mode: { type: 'latency', delayMs: 300, jitterMs: 50, share: 50 } },
      { kind: 'proxy', name: 'error@40s', atMs: 40_000, forMs: 500, slos: [], index: 2, mode: { type: 'error', share: 100, status: 503 } },
      { kind: 'proxy', name: 'blackhole@45s', atMs: 45_000, forMs: 1000, slos: [], index: 3, mode: { type: 'blackhole' } },
      { kind: 'proxy', name: 'drop-response@50s', atMs: 50_000, forMs: 1000, slos: [], index: 4, mode: { type: 'drop-response', share: 30 } },
      {
        kind: 'command',
        name: 'sfu-freeze',
        atMs: 60_000,
        forMs: 15_000,
        slos: [],
        index: 0,
        start: { argv: ['kill', '-STOP', '4242'], shell: false },
        end: { argv: ['kill', '-CONT', '4242'], shell: false },
        timeoutMs: 5000,
      },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseIncidentPlan([])).toEqual({ incidents: [] });
  });

  it('refuses a command that is not a list of strings, at its path', () => {
    expect(problems([{ at: '1s', for: '1s', kind: 'command', start: 'kill -STOP 4242' }])).toEqual([
      'incidents[0].start must be a non-empty list of strings (got "kill -STOP 4242")',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'command', start: ['kill', '-STOP', 4242] }])).toEqual([
      'incidents[0].start must be a non-empty list of strings (got a list)',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'command', start: ['true'], end: [] }])).toEqual([
      'incidents[0].end must be a non-empty list of strings (got a list)',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'command' }])).toEqual(['incidents[0].start is missing']);
    expect(problems([{ at: '1s', for: '1s', kind: 'command', start: ['kill', '-STOP', '1'], shell: true }])).toEqual([
      'incidents[0].start with shell: true must be one script string (got 3 strings)',
    ]);
    const error = (() => {
      try {
        parseIncidentPlan([{ at: '1s', for: '1s', kind: 'command', start: { run: 'x' } }]);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('incidents[0].start');
    expect((error as ConfigError).hint).toMatch(/each argument as its own string/);
  });

  it('reads durations with the project duration parser and refuses anything else', () => {
    expect(problems([{ at: 20, for: '10 seconds', kind: 'proxy', mode: { type: 'reset' } }])).toEqual([
      'incidents[0].at must be a duration (got number 20)',
      'incidents[0].for must be a duration (got "10 seconds")',
    ]);
    expect(problems([{ at: '1s', for: '0s', kind: 'proxy', mode: { type: 'reset' } }])).toEqual(['incidents[0].for must be longer than 0 (got 0s)']);
    expect(problems([{ for: '1s', kind: 'proxy', mode: { type: 'latency' } }])).toEqual(['incidents[0].at is missing', 'incidents[0].mode.delay is missing']);
  });

  it('takes shares as percentages from 0 to 100 and error statuses from 500 to 599', () => {
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'reset', share: 150 } }])).toEqual([
      'incidents[0].mode.share must be a percentage from 0 to 100 (got number 150)',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'drop-response', share: '50%' } }])).toEqual([
      'incidents[0].mode.share must be a percentage from 0 to 100 (got "50%")',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'error', share: -1 } }])).toEqual([
      'incidents[0].mode.share must be a percentage from 0 to 100 (got number -1)',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'error', status: 404 } }])).toEqual([
      'incidents[0].mode.status must be an HTTP status from 500 to 599 (got number 404)',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'reset', share: 0 } }])).toEqual([]);
  });

  it('names unknown kinds, mode types and keys, with a guess', () => {
    expect(problems([{ at: '1s', for: '1s', kind: 'chaos' }])).toEqual(['incidents[0].kind must be proxy or command (got "chaos")']);
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'lateny', delay: '1s' } }])).toEqual([
      'incidents[0].mode.type must be one of latency, reset, blackhole, drop-response, error (got "lateny")',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'blackhole', share: 50 } }])).toEqual([
      'incidents[0].mode.share unknown key "share" in the blackhole mode',
    ]);
    expect(problems([{ at: '1s', duration: '1s', kind: 'proxy', mode: { type: 'reset' } }])).toEqual([
      'incidents[0].duration unknown key "duration" in a proxy incident',
      'incidents[0].for is missing',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'proxy', mode: { type: 'reset' }, start: ['true'] }])).toEqual([
      'incidents[0].start unknown key "start" in a proxy incident',
    ]);
    expect(problems([{ at: '1s', for: '1s', kind: 'command', start: ['true'], timout: '5s' }])).toEqual([
      'incidents[0].timout unknown key "timout" in a command incident; did you mean "timeout"?',
    ]);
  });

  it('refuses two proxy incidents on at once (the proxy has one mode at a time), but lets commands overlap', () => {
    expect(
      problems([
        { name: 'slow', at: '10s', for: '20s', kind: 'proxy', mode: { type: 'latency', delay: '100ms' } },
        { at: '25s', for: '10s', kind: 'proxy', mode: { type: 'reset' } },
        { at: '30s', for: '10s', kind: 'proxy', mode: { type: 'reset', share: 10 } },
      ]),
    ).toEqual(['incidents[1].at starts while the proxy incident "slow" (10s for 20s) is still on; the fault proxy has one mode at a time']);
    expect(
      problems([
        { at: '10s', for: '20s', kind: 'command', start: ['true'] },
        { at: '15s', for: '20s', kind: 'command', start: ['false'] },
        { at: '15s', for: '20s', kind: 'proxy', mode: { type: 'blackhole' } },
      ]),
    ).toEqual([]);
  });

  it('refuses duplicate names and incidents that end after the run', () => {
    expect(
      problems(
        [
          { name: 'drill', at: '1s', for: '1s', kind: 'command', start: ['true'] },
          { name: 'drill', at: '5s', for: '1m', kind: 'command', start: ['true'] },
        ],
        { runMs: 30_000 },
      ),
    ).toEqual(['incidents[1].name "drill" is already the name of incidents[0]', 'incidents[1].for ends at 1m5s, after the run (30s)']);
  });

  it('reports every problem at once, each at its file, line and path', () => {
    const source = parseYamlSource(
      'scenarios/drill.yaml',
      [
        'incidents:',
        '  - at: 20s',
        '    for: 10s',
        '    kind: proxy',
        '    mode: { type: reset, share: 101 }',
        '  - at: 40s',
        '    for: soon',
        '    kind: command',
        '    start: kill -STOP 1',
        '',
      ].join('\n'),
    );
    const input = (source.doc.toJS() as { incidents: unknown }).incidents;
    expect(problems(input, { source })).toEqual([
      'scenarios/drill.yaml:5: incidents[0].mode.share must be a percentage from 0 to 100 (got number 101)',
      'scenarios/drill.yaml:7: incidents[1].for must be a duration (got "soon")',
      'scenarios/drill.yaml:9: incidents[1].start must be a non-empty list of strings (got "kill -STOP 1")',
    ]);
    expect(problems({ at: '1s' }, { path: ['steps', 2, 'incidents'] })).toEqual(['steps[2].incidents must be a list of incidents (got a mapping)']);
  });
});
