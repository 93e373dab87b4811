import { closest, distance } from 'fastest-levenshtein';
import { formatDuration, parseDuration } from '../config/duration.js';
import { formatPath, lineOf, type YamlSource } from '../config/yaml-source.js';
import { ConfigError, ConfigErrors } from '../errors.js';
import type { CommandLine } from './incident-command.js';
import { DEFAULT_ERROR_STATUS, isInjectableStatus, isShare, PROXY_MODE_TYPES, type ProxyMode, type ProxyModeType } from './proxy-mode.js';

/**
 * A scenario's incidents, as written and as planned:
 *
 * ```yaml
 * incidents:
 *   - at: 20s                 # offset from the run's start
 *     for: 10s
 *     kind: proxy
 *     mode: { type: latency, delay: 300ms, jitter: 50ms, share: 50 }
 *   - name: sfu-freeze
 *     at: 1m
 *     for: 15s
 *     kind: command
 *     start: [kill, -STOP, '4242']
 *     end: [kill, -CONT, '4242']
 *     timeout: 10s            # per command (default 30s)
 * ```
 *
 * Everything is checked before the run starts, all problems at once, each a
 * ConfigError at its path (and line, given the YAML source).
 */
export type Incident = ProxyIncident | CommandIncident;

interface IncidentTiming {
  /** Unique within the plan; labels the incident's events and its band on the timeline. Default: `<mode type or command>@<at as written>`. */
  name: string;
  /** Offset from the run's start. */
  atMs: number;
  forMs: number;
  /** Thresholds on this incident as written (`recovery_time < 30s`); the runner parses them against the incident metrics. */
  slos: readonly string[];
  /** Its position in the list as written (the plan is in start order), for locating later errors. */
  index: number;
}

export interface ProxyIncident extends IncidentTiming {
  kind: 'proxy';
  mode: ProxyMode;
}

export interface CommandIncident extends IncidentTiming {
  kind: 'command';
  start: CommandLine;
  /** Run when the incident ends, and always when a run is aborted while the incident is on. */
  end?: CommandLine;
  /** Per command. */
  timeoutMs: number;
}

export interface IncidentPlan {
  /** In start order. */
  incidents: readonly Incident[];
}

export interface ParseIncidentsOptions {
  /** Where the list sits in its file (default `['incidents']`), for error paths. */
  path?: ReadonlyArray<string | number>;
  /** The parsed YAML file, for error lines. */
  source?: YamlSource;
  /** The run's length: an incident that would end after it is refused. */
  runMs?: number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
/** Names label files and timeline bands; a bound keeps both readable. */
const MAX_NAME_LENGTH = 64;

const COMMON_KEYS = ['name', 'at', 'for', 'kind', 'slos'];
const KEYS_BY_KIND = { proxy: [...COMMON_KEYS, 'mode'], command: [...COMMON_KEYS, 'start', 'end', 'shell', 'timeout'] } as const;
const MODE_KEYS: Record<ProxyModeType, readonly string[]> = {
  latency: ['type', 'delay', 'jitter', 'share'],
  reset: ['type', 'share'],
  blackhole: ['type'],
  'drop-response': ['type', 'share'],
  error: ['type', 'share', 'status'],
};

type Path = ReadonlyArray<string | number>;

/** The incidents of a scenario as a typed plan, or a ConfigError (ConfigErrors for several) naming each problem's path. */
export function parseIncidentPlan(input: unknown, options: ParseIncidentsOptions = {}): IncidentPlan {
  const check = new Checker(options.source);
  const base = options.path ?? ['incidents'];
  if (!Array.isArray(input)) {
    check.fail(base, `must be a list of incidents (got ${describe(input)})`, 'write `incidents:` followed by `- at: 20s` entries');
    ConfigErrors.throwIfAny(check.errors);
  }
  const incidents: Incident[] = [];
  (input as unknown[]).forEach((entry, index) => {
    const incident = parseIncident(entry, index, [...base, index], check);
    if (incident !== undefined) incidents.push(incident);
  });
  const planned = incidents.map((incident, index) => ({ incident, index })).sort((a, b) => a.incident.atMs - b.incident.atMs || a.index - b.index);
  checkNames(planned, base, check);
  checkProxyOverlaps(planned, base, check);
  if (options.runMs !== undefined) checkWithinRun(planned, base, options.runMs, check);
  ConfigErrors.throwIfAny(check.errors);
  return { incidents: planned.map((p) => p.incident) };
}

function parseIncident(entry: unknown, index: number, path: Path, check: Checker): Incident | undefined {
  if (!isRecord(entry))
    return void check.fail(
      path,
      `must be a mapping with at, for and kind (got ${describe(entry)})`,
      'e.g. `- { at: 20s, for: 10s, kind: proxy, mode: { type: reset, share: 10 } }`',
    );
  const kind = entry['kind'];
  if (kind !== 'proxy' && kind !== 'command') {
    return void check.fail(
      [...path, 'kind'],
      kind === undefined ? 'is missing' : `must be proxy or command (got ${describe(kind)})`,
      "proxy: the fault proxy disturbs roomgate's traffic; command: roomgate runs your own command",
    );
  }
  check.knownKeys(entry, KEYS_BY_KIND[kind], path, kind === 'proxy' ? 'a proxy incident' : 'a command incident');
  const atMs = check.duration(entry['at'], [...path, 'at'], { min: 0, required: true });
  const forMs = check.duration(entry['for'], [...path, 'for'], { min: 1, required: true });
  const name = check.name(entry['name'], [...path, 'name']);
  const slos = check.slos(entry['slos'], [...path, 'slos']);
  if (kind === 'proxy') {
    const mode = parseMode(entry['mode'], [...path, 'mode'], check);
    if (atMs === undefined || forMs === undefined || mode === undefined || name === null || slos === undefined) return undefined;
    return { kind, name: name ?? `${mode.type}@${String(entry['at'])}`, atMs, forMs, slos, index, mode };
  }
  const shell = entry['shell'] ?? false;
  if (typeof shell !== 'boolean')
    check.fail([...path, 'shell'], `must be true or false (got ${describe(shell)})`, 'leave it out unless the command needs a shell (pipes, $VARIABLES, &&)');
  const wantsShell = shell === true;
  const start = check.command(entry['start'], [...path, 'start'], wantsShell, true);
  const end = entry['end'] === undefined ? undefined : check.command(entry['end'], [...path, 'end'], wantsShell, false);
  const timeoutMs =
    entry['timeout'] === undefined ? DEFAULT_COMMAND_TIMEOUT_MS : check.duration(entry['timeout'], [...path, 'timeout'], { min: 1, required: true });
  if (
    atMs === undefined ||
    forMs === undefined ||
    start === undefined ||
    timeoutMs === undefined ||
    name === null ||
    typeof shell !== 'boolean' ||
    slos === undefined
  )
    return undefined;
  if (entry['end'] !== undefined && end === undefined) return undefined;
  return { kind, name: name ?? `command@${String(entry['at'])}`, atMs, forMs, slos, index, start, ...(end === undefined ? {} : { end }), timeoutMs };
}

function parseMode(raw: unknown, path: Path, check: Checker): ProxyMode | undefined {
  if (!isRecord(raw)) {
    return void check.fail(
      path,
      raw === undefined ? 'is missing' : `must be a mapping (got ${describe(raw)})`,
      `e.g. mode: { type: latency, delay: 300ms }; types: ${PROXY_MODE_TYPES.join(', ')}`,
    );
  }
  const type = raw['type'];
  if (typeof type !== 'string' || !(PROXY_MODE_TYPES as readonly string[]).includes(type)) {
    const guess = typeof type === 'string' ? closest(type, [...PROXY_MODE_TYPES]) : undefined;
    const types = PROXY_MODE_TYPES.join(', ');
    const hint = guess !== undefined && distance(String(type), guess) <= 3 ? `did you mean "${guess}"?` : `one of ${types}`;
    return void check.fail([...path, 'type'], type === undefined ? 'is missing' : `must be one of ${types} (got ${describe(type)})`, hint);
  }
  const modeType = type as ProxyModeType;
  check.knownKeys(raw, MODE_KEYS[modeType], path, `the ${modeType} mode`);
  const share = modeType === 'blackhole' ? 100 : check.share(raw['share'], [...path, 'share']);
  if (share === undefined) return undefined;
  switch (modeType) {
    case 'latency': {
      const delayMs = check.duration(raw['delay'], [...path, 'delay'], { min: 0, required: true });
      const jitterMs = raw['jitter'] === undefined ? 0 : check.duration(raw['jitter'], [...path, 'jitter'], { min: 0, required: true });
      if (delayMs === undefined || jitterMs === undefined) return undefined;
      return { type: 'latency', delayMs, jitterMs, share };
    }
    case 'error': {
      const status = raw['status'] ?? DEFAULT_ERROR_STATUS;
      if (!isInjectableStatus(status))
        return void check.fail(
          [...path, 'status'],
          `must be an HTTP status from 500 to 599 (got ${describe(status)})`,
          'the error mode plays an outage: 500, 502, 503 or 504',
        );
      return { type: 'error', share, status };
    }
    case 'blackhole':
      return { type: 'blackhole' };
    case 'reset':
    case 'drop-response':
      return { type: modeType, share };
  }
}

function checkNames(planned: ReadonlyArray<{ incident: Incident; index: number }>, base: Path, check: Checker): void {
  const seen = new Map<string, number>();
  for (const { incident, index } of [...planned].sort((a, b) => a.index - b.index)) {
    const first = seen.get(incident.name);
    if (first === undefined) seen.set(incident.name, index);
    else check.fail([...base, index, 'name'], `"${incident.name}" is already the name of incidents[${first}]`, 'give each incident its own `name:`');
  }
}

/** The proxy has one mode at a time, so two proxy incidents may not be on together. */
function checkProxyOverlaps(planned: ReadonlyArray<{ incident: Incident; index: number }>, base: Path, check: Checker): void {
  let previous: { incident: Incident; index: number } | undefined;
  for (const entry of planned) {
    if (entry.incident.kind !== 'proxy') continue;
    if (previous !== undefined && entry.incident.atMs < previous.incident.atMs + previous.incident.forMs) {
      const p = previous.incident;
      check.fail(
        [...base, entry.index, 'at'],
        `starts while the proxy incident "${p.name}" (${formatDuration(p.atMs)} for ${formatDuration(p.forMs)}) is still on; the fault proxy has one mode at a time`,
        `start it at ${formatDuration(p.atMs + p.forMs)} or later, or shorten the other one`,
      );
    } else previous = entry;
  }
}

function checkWithinRun(planned: ReadonlyArray<{ incident: Incident; index: number }>, base: Path, runMs: number, check: Checker): void {
  for (const { incident, index } of planned) {
    const endMs = incident.atMs + incident.forMs;
    if (endMs <= runMs) continue;
    check.fail(
      [...base, index, 'for'],
      `ends at ${formatDuration(endMs)}, after the run (${formatDuration(runMs)})`,
      'move `at` earlier, shorten `for`, or lengthen the run; recovery needs run time after the incident too',
    );
  }
}

/** Collects errors instead of stopping at the first, so the user fixes a file in one pass. */
class Checker {
  readonly errors: ConfigError[] = [];

  constructor(private readonly source: YamlSource | undefined) {}

  fail(path: Path, message: string, hint: string): void {
    const line = this.source === undefined ? undefined : lineOf(this.source, path);
    this.errors.push(
      new ConfigError(message, {
        path: formatPath(path),
        hint,
        ...(this.source === undefined ? {} : { file: this.source.file }),
        ...(line === undefined ? {} : { line }),
      }),
    );
  }

  knownKeys(record: Record<string, unknown>, allowed: readonly string[], path: Path, what: string): void {
    for (const key of Object.keys(record)) {
      if (allowed.includes(key)) continue;
      const guess = closest(key, [...allowed]);
      const near = distance(key, guess) <= Math.max(2, Math.floor(key.length / 3));
      this.fail([...path, key], `unknown key "${key}" in ${what}${near ? `; did you mean "${guess}"?` : ''}`, `allowed keys here: ${allowed.join(', ')}`);
    }
  }

  /** Milliseconds through the project's one duration parser, or undefined after recording why not. */
  duration(raw: unknown, path: Path, rule: { min: number; required: boolean }): number | undefined {
    if (raw === undefined) return void (rule.required && this.fail(path, 'is missing', 'a duration such as 20s, 1m30s or 500ms'));
    const ms = typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (ms === undefined) return void this.fail(path, `must be a duration (got ${describe(raw)})`, 'write it with a unit: 500ms, 20s, 1m30s, 1h');
    if (ms < rule.min)
      return void this.fail(path, `must be longer than 0 (got ${String(raw)})`, 'an incident lasts at least 1ms; leave it out of the plan instead');
    return ms;
  }

  share(raw: unknown, path: Path): number | undefined {
    if (raw === undefined) return 100;
    if (isShare(raw)) return raw;
    return void this.fail(
      path,
      `must be a percentage from 0 to 100 (got ${describe(raw)})`,
      'write the share of requests to disturb as a number, e.g. share: 25 for a quarter',
    );
  }

  /** The thresholds as written: a list of strings (parsed against the incident metrics later); undefined after recording why not. */
  slos(raw: unknown, path: Path): readonly string[] | undefined {
    if (raw === undefined) return [];
    if (Array.isArray(raw) && raw.every((item): item is string => typeof item === 'string' && item.trim() !== '')) return raw;
    return void this.fail(path, `must be a list of thresholds (got ${describe(raw)})`, 'e.g. slos: [recovery_time < 30s]');
  }

  /** undefined: not given (the default applies); null: given but invalid (recorded). */
  name(raw: unknown, path: Path): string | undefined | null {
    if (raw === undefined) return undefined;
    if (typeof raw === 'string' && raw.trim() !== '' && raw.length <= MAX_NAME_LENGTH) return raw;
    this.fail(path, `must be a non-empty string of at most ${MAX_NAME_LENGTH} characters (got ${describe(raw)})`, 'e.g. name: sfu-freeze');
    return null;
  }

  command(raw: unknown, path: Path, shell: boolean, required: boolean): CommandLine | undefined {
    const example = shell ? "['systemctl restart my-sfu && sleep 2']" : '[systemctl, restart, my-sfu]';
    if (raw === undefined) return void (required && this.fail(path, 'is missing', `the command to run, as a list: ${example}`));
    if (!Array.isArray(raw) || raw.length === 0 || !raw.every((arg): arg is string => typeof arg === 'string')) {
      return void this.fail(
        path,
        `must be a non-empty list of strings (got ${describe(raw)})`,
        `write the program and each argument as its own string: ${example}; quote numbers ('4242')`,
      );
    }
    if (shell && raw.length !== 1)
      return void this.fail(
        path,
        `with shell: true must be one script string (got ${raw.length} strings)`,
        `put the whole command line in one string: ${example}`,
      );
    if (raw[0]!.trim() === '') return void this.fail(path, 'names no program (its first string is empty)', `e.g. ${example}`);
    return { argv: raw, shell };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}
