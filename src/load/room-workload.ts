import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { RoomApi } from '../profile/room-api.js';
import type { RoomRequest } from '../profile/request-builder.js';
import { seededRandom } from '../seeded-random.js';
import { LOAD_ROLES, type LoadOperations, type LoadRole } from './load-operations.js';
import type { PreparedRequest } from './open-loop.js';

/** Most live room ids kept for gets and closes; older ones are replaced at random (cleanup finds them by name). */
const LIVE_ID_CAP = 10_000;

/** The page size of the workload's lists. */
const LIST_PAGE = 20;

/** Ids of rooms the run closed lately, so a get that crossed its close on the wire is not blamed on the target. */
const RECENTLY_CLOSED_CAP = 1000;

/** One request of the room workload: what the generators send, plus what the recorder needs to judge the answer. */
export interface LoadRequest extends PreparedRequest {
  role: LoadRole;
  /** The room a get or close acts on. */
  roomId?: string;
  /** The X-Request-Id it carries (events and the target's logs name it). */
  requestId: string;
}

export interface WorkloadOptions {
  seed?: number;
  runTag?: string;
  /** Sends of a create whose answer was lost (same Idempotency-Key); 0 when the profile's create has no idempotency key. */
  createRetries?: number;
}

/**
 * The room workload: picks operations by weight and builds each request
 * through the target profile's RoomApi (the role's operation, path, query,
 * body template and encoding), adding the profile's auth headers and an
 * X-Request-Id. Every create has a unique room name and, when the profile
 * maps one, Idempotency-Key; the ids of rooms created (in setup and by the
 * run, read through the profile's fields) feed later gets and closes. Room
 * names carry the run's prefix, so cleanup can find every room the run
 * created without keeping each id (memory stays flat however long the run).
 */
export class RoomWorkload {
  readonly runTag: string;
  private readonly roles: LoadRole[] = [];
  private readonly cumulative: number[] = [];
  private readonly total: number;
  private readonly live: string[] = [];
  private readonly recentlyClosed = new Set<string>();
  /** Any id we know, for gets when no room is live (only used when closed rooms stay readable). */
  private lastKnown: string | undefined;
  private creates = 0;
  private sent = 0;
  private rng: () => number;
  private auth: Record<string, string> = {};
  private readonly createRetries: number;

  constructor(
    private readonly api: RoomApi,
    private readonly operations: LoadOperations,
    weights: ReadonlyMap<LoadRole, number>,
    options: WorkloadOptions = {},
  ) {
    this.runTag = options.runTag ?? `rg-${randomUUID().slice(0, 8)}`;
    this.createRetries = api.has('idempotency') ? (options.createRetries ?? 0) : 0;
    let sum = 0;
    for (const role of LOAD_ROLES) {
      const weight = weights.get(role) ?? 0;
      if (weight <= 0) continue;
      sum += weight;
      this.roles.push(role);
      this.cumulative.push(sum);
    }
    this.total = sum;
    this.rng = seededRandom(options.seed ?? 1);
  }

  /** Room names of this run start with this; cleanup finds rooms by it. */
  get namePrefix(): string {
    return `${this.runTag}-`;
  }

  /** The roles the mix calls. */
  get calledRoles(): readonly LoadRole[] {
    return this.roles;
  }

  /** The profile's auth headers for every request from now on (a refreshed token). */
  setAuthHeaders(headers: Record<string, string>): void {
    this.auth = headers;
  }

  /** Feed a room id that exists (setup pool, or a create the run saw succeed). */
  addRoom(roomId: string): void {
    this.lastKnown = roomId;
    if (this.live.length < LIVE_ID_CAP) this.live.push(roomId);
    else this.live[Math.floor(this.rng() * LIVE_ID_CAP)] = roomId;
  }

  get liveRooms(): number {
    return this.live.length;
  }

  /** The next request of the mix. */
  next(): LoadRequest {
    return this.build(this.bend(this.pick()));
  }

  /**
   * The whole mix as a fixed cycle of requests, when nothing in it changes
   * from one send to the next: no creates (unique names and keys) and no
   * closes (live ids leave the set), and no template that renders differently
   * per request ({{uuid}}, {{now}}). The burst generator then hands autocannon
   * static requests it encodes once (see burst.ts). undefined when the mix
   * needs per-request requests.
   *
   * Operations appear in exact proportion to their (integer) weights, spread
   * evenly; gets take the live ids in turn, so every known room is read. The
   * entries carry the auth headers of now: rebuild the cycle after a token
   * change. Their X-Request-Ids name the cycle entry, not the send (a static
   * request cannot carry a fresh one).
   */
  fixedCycle(maxLength = 100): LoadRequest[] | undefined {
    if (this.roles.includes('create') || this.roles.includes('close')) return undefined;
    const weights = this.roles.map((_, i) => this.cumulative[i]! - (i === 0 ? 0 : this.cumulative[i - 1]!));
    const base = apportion(weights, maxLength);
    const baseLength = base.reduce((a, b) => a + b, 0);
    const getIndex = this.roles.indexOf('get');
    const readable = this.api.profile.rooms.close.afterClose === 'readable' && this.lastKnown !== undefined;
    const ids = this.live.length > 0 ? [...this.live] : readable ? [this.lastKnown!] : [];
    // As in next(): a get with no room to read bends (to a list; to a create, which no fixed cycle can hold).
    const getBendsTo: LoadRole = ids.length > 0 ? 'get' : this.bend('get');
    if (getIndex >= 0 && getBendsTo === 'create') return undefined;
    // Repeat the base pattern so the gets cover every known room, within maxLength.
    const repeat = getIndex < 0 || ids.length === 0 ? 1 : Math.max(1, Math.min(Math.ceil(ids.length / base[getIndex]!), Math.floor(maxLength / baseLength)));
    const slots: { at: number; role: LoadRole }[] = [];
    this.roles.forEach((role, i) => {
      const count = base[i]! * repeat;
      for (let j = 0; j < count; j++) slots.push({ at: (j + 0.5) / count, role: role === 'get' ? getBendsTo : role });
    });
    slots.sort((a, b) => a.at - b.at);
    // A template that renders differently each time ({{uuid}}, {{now}}) cannot be encoded once.
    for (const role of new Set(slots.map((slot) => slot.role))) {
      const [a, b] = [this.roleRequest(role, ids[0]), this.roleRequest(role, ids[0])];
      if (a.path !== b.path || a.body !== b.body) return undefined;
    }
    let nextId = 0;
    return slots.map(({ role }, i): LoadRequest => {
      const roomId = role === 'get' ? ids[nextId++ % ids.length] : undefined;
      return this.request(role, this.roleRequest(role, roomId), `${this.runTag}-c${i}`, roomId);
    });
  }

  /**
   * Learn from a response: a create that succeeded puts its room in the pool
   * (its id read through the profile's fields), a close that succeeded takes
   * it out for good. Returns the room created, if any.
   */
  observe(request: LoadRequest, status: number, body: Buffer | string | undefined): string | undefined {
    if (request.role !== 'create' || !isSuccess(status) || body === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      return undefined; // not JSON: the schema sampler reports it when it samples this response
    }
    const id = this.api.idOf(this.api.roomOf('create', json));
    if (id !== undefined) this.addRoom(id);
    return id;
  }

  /**
   * Whether `status` is what the profile promises for this request: 2xx for
   * create, get and list; a close's documented answers. A 404 on a get is
   * excused only for a room this run has just closed, when the profile says
   * closed rooms are gone (the get crossed the close on the wire). Anything
   * else on the run's own rooms is the target's error.
   */
  isExpected(request: LoadRequest, status: number): boolean {
    if (request.role === 'close') {
      const answers = this.api.profile.rooms.close.answers;
      return answers === undefined ? isSuccess(status) : answers.includes(status);
    }
    if (isSuccess(status)) return true;
    return (
      request.role === 'get' &&
      status === 404 &&
      request.roomId !== undefined &&
      this.recentlyClosed.has(request.roomId) &&
      this.api.profile.rooms.close.afterClose !== 'readable'
    );
  }

  private pick(): LoadRole {
    const r = this.rng() * this.total;
    for (let i = 0; i < this.cumulative.length; i++) if (r < this.cumulative[i]!) return this.roles[i]!;
    return this.roles[this.roles.length - 1]!;
  }

  /**
   * The mix bends rather than send requests that can only fail because of
   * the harness: a close with no live room becomes a get; a get with no live
   * room reads the last room known only where closed rooms stay readable,
   * else it becomes a list, or (no list role) a create.
   */
  private bend(role: LoadRole): LoadRole {
    let bent = role;
    if (bent === 'close' && this.live.length === 0) bent = 'get';
    const readable = this.api.profile.rooms.close.afterClose === 'readable' && this.lastKnown !== undefined;
    if (bent === 'get' && this.live.length === 0 && !readable) bent = this.operations.has('list') ? 'list' : 'create';
    return bent;
  }

  private build(role: LoadRole): LoadRequest {
    const requestId = `${this.runTag}-r${++this.sent}`;
    switch (role) {
      case 'create': {
        const n = ++this.creates;
        const key = `${this.runTag}-${n}`;
        const request = this.request('create', this.api.create({ name: `${this.namePrefix}${n}`, idempotencyKey: key }), requestId, undefined);
        if (this.createRetries > 0) request.retriesLeft = this.createRetries;
        return request;
      }
      case 'get': {
        const id = this.live.length > 0 ? this.live[Math.floor(this.rng() * this.live.length)]! : this.lastKnown!;
        return this.request('get', this.api.get(id), requestId, id);
      }
      case 'list':
        return this.request('list', this.api.list({ limit: LIST_PAGE }), requestId, undefined);
      case 'close': {
        const index = Math.floor(this.rng() * this.live.length);
        const id = this.live[index]!;
        // swap-remove: O(1), order does not matter
        this.live[index] = this.live[this.live.length - 1]!;
        this.live.pop();
        this.closing(id);
        return this.request('close', this.api.close(id), requestId, id);
      }
    }
  }

  /** A room leaves the pool for good the moment its close is sent: gets sent after it may find it gone. */
  private closing(id: string): void {
    if (this.recentlyClosed.size >= RECENTLY_CLOSED_CAP) {
      const oldest = this.recentlyClosed.values().next().value;
      if (oldest !== undefined) this.recentlyClosed.delete(oldest);
    }
    this.recentlyClosed.add(id);
  }

  /** A get, list or close as the fixed cycle holds it (creates are never in one). */
  private roleRequest(role: LoadRole, roomId: string | undefined): RoomRequest {
    switch (role) {
      case 'get':
        return this.api.get(roomId ?? '');
      case 'list':
        return this.api.list({ limit: LIST_PAGE });
      case 'create':
      case 'close':
        throw new Error(`a fixed cycle holds no ${role}`);
    }
  }

  private request(role: LoadRole, built: RoomRequest, requestId: string, roomId: string | undefined): LoadRequest {
    const request: LoadRequest = {
      operation: this.operations.get(role).name,
      role,
      method: httpMethod(built.method),
      path: built.path,
      headers: { ...built.headers, ...this.auth, 'x-request-id': requestId },
      // Bodies are kept where something reads them: a create's (its room id).
      wantBody: role === 'create',
      requestId,
    };
    if (built.body !== undefined) request.body = built.body;
    if (roomId !== undefined) request.roomId = roomId;
    return request;
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** RoomRequest methods are the OpenAPI document's, upper case. */
function httpMethod(method: string): Dispatcher.HttpMethod {
  return method.toUpperCase();
}

/**
 * Integer counts in the ratio of `weights`: exact when the weights are
 * integers whose reduced sum fits in `maxLength` (70/5 → 14/1), otherwise
 * scaled to `maxLength` by largest remainder (every positive weight gets at least 1).
 */
function apportion(weights: readonly number[], maxLength: number): number[] {
  if (weights.every((w) => Number.isInteger(w))) {
    const g = weights.reduce((a, b) => gcd(a, b));
    const reduced = weights.map((w) => w / g);
    if (reduced.reduce((a, b) => a + b, 0) <= maxLength) return reduced;
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / total) * maxLength);
  const counts = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = maxLength - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  return counts;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
