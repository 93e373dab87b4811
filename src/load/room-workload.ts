import { randomUUID } from 'node:crypto';
import { seededRandom } from '../seeded-random.js';
import type { PreparedRequest } from './open-loop.js';
import { LOAD_OPERATIONS, type LoadOperation, type OperationMix } from './options.js';

/** Most live room ids kept for gets and deletes; older ones are replaced at random (cleanup finds them by name). */
const LIVE_ID_CAP = 10_000;

/**
 * The room workload: picks operations by weight and builds realistic requests.
 * Every create has a unique room name and Idempotency-Key; ids of rooms
 * created (in setup and by the run) feed later gets and deletes. Room names
 * carry the run's prefix, so cleanup can find every room the run created
 * without keeping each id (memory stays flat however long the run).
 */
export class RoomWorkload {
  readonly runTag: string;
  private readonly ops: LoadOperation[] = [];
  private readonly cumulative: number[] = [];
  private readonly total: number;
  private readonly live: string[] = [];
  /** Any id we know, for gets when no room is live (closed rooms stay readable). */
  private lastKnown: string | undefined;
  private seq = 0;
  private rng: () => number;
  private readonly getHeaders: Record<string, string> = { accept: 'application/json', authorization: '' };
  private readonly postHeaders: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json', authorization: '' };

  constructor(mix: OperationMix, options: { seed?: number; runTag?: string } = {}) {
    this.runTag = options.runTag ?? `rg-${randomUUID().slice(0, 8)}`;
    let sum = 0;
    for (const op of LOAD_OPERATIONS) {
      const weight = mix[op] ?? 0;
      if (weight <= 0) continue;
      sum += weight;
      this.ops.push(op);
      this.cumulative.push(sum);
    }
    this.total = sum;
    this.rng = seededRandom(options.seed ?? 1);
  }

  /** Room names of this run start with this; cleanup deletes rooms by it. */
  get namePrefix(): string {
    return `${this.runTag}-`;
  }

  setAuthorization(authorization: string): void {
    this.getHeaders['authorization'] = authorization;
    this.postHeaders['authorization'] = authorization;
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
  next(): PreparedRequest {
    let op = this.pick();
    // A delete with no live room left becomes a get of a known (closed) room, and
    // a get with no known room a list: the mix bends rather than sending requests
    // that can only fail because of the harness.
    if (op === 'delete_room' && this.live.length === 0) op = 'get_room';
    if (op === 'get_room' && this.live.length === 0 && this.lastKnown === undefined) op = 'list_rooms';
    switch (op) {
      case 'create_room': {
        const n = ++this.seq;
        return {
          operation: op,
          method: 'POST',
          path: '/v1/rooms',
          headers: { ...this.postHeaders, 'idempotency-key': `${this.runTag}-${n}` },
          body: `{"name":"${this.runTag}-${n}","max_participants":10,"is_private":false,"recording":false}`,
          wantBody: true,
        };
      }
      case 'get_room': {
        const id = this.live.length > 0 ? this.live[Math.floor(this.rng() * this.live.length)]! : this.lastKnown!;
        return { operation: op, method: 'GET', path: `/v1/rooms/${id}`, headers: this.getHeaders, wantBody: false };
      }
      case 'list_rooms':
        return { operation: op, method: 'GET', path: '/v1/rooms?limit=20', headers: this.getHeaders, wantBody: false };
      case 'delete_room': {
        const index = Math.floor(this.rng() * this.live.length);
        const id = this.live[index]!;
        // swap-remove: O(1), order does not matter
        this.live[index] = this.live[this.live.length - 1]!;
        this.live.pop();
        return { operation: op, method: 'DELETE', path: `/v1/rooms/${id}`, headers: this.getHeaders, wantBody: false };
      }
    }
  }

  /**
   * The whole mix as a fixed cycle of requests, when nothing in it changes
   * from one send to the next: no creates (unique keys) and no deletes (live
   * ids leave the set), so gets only ever see the live ids known now. The
   * burst generator then hands autocannon static requests it encodes once
   * (see burst.ts). undefined when the mix needs per-request requests.
   *
   * Operations appear in exact proportion to their (integer) weights, spread
   * evenly; gets take the live ids in turn, so every known room is read.
   * The entries share this workload's header object: rebuild the cycle after
   * a token change.
   */
  fixedCycle(maxLength = 100): PreparedRequest[] | undefined {
    if (this.ops.includes('create_room') || this.ops.includes('delete_room')) return undefined;
    const weights = this.ops.map((_, i) => this.cumulative[i]! - (i === 0 ? 0 : this.cumulative[i - 1]!));
    const base = apportion(weights, maxLength);
    const baseLength = base.reduce((a, b) => a + b, 0);
    const getIndex = this.ops.indexOf('get_room');
    const ids = this.live.length > 0 ? this.live : this.lastKnown === undefined ? [] : [this.lastKnown];
    // Repeat the base pattern so the gets cover every known room, within maxLength.
    const repeat = getIndex < 0 || ids.length === 0 ? 1 : Math.max(1, Math.min(Math.ceil(ids.length / base[getIndex]!), Math.floor(maxLength / baseLength)));
    const slots: { at: number; op: LoadOperation }[] = [];
    this.ops.forEach((op, i) => {
      const count = base[i]! * repeat;
      for (let j = 0; j < count; j++) slots.push({ at: (j + 0.5) / count, op });
    });
    slots.sort((a, b) => a.at - b.at);
    let nextId = 0;
    return slots.map(({ op }): PreparedRequest => {
      // As in next(): a get with no known room bends to a list.
      if (op === 'get_room' && ids.length > 0) {
        const id = ids[nextId++ % ids.length]!;
        return { operation: op, method: 'GET', path: `/v1/rooms/${id}`, headers: this.getHeaders, wantBody: false };
      }
      return { operation: 'list_rooms', method: 'GET', path: '/v1/rooms?limit=20', headers: this.getHeaders, wantBody: false };
    });
  }

  /** Learn from a response: created rooms join the pool. */
  observe(request: PreparedRequest, status: number, body: Buffer | string | undefined): void {
    if (request.operation !== 'create_room' || status !== 201 || body === undefined) return;
    try {
      const room = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as { room_id?: unknown };
      if (typeof room.room_id === 'string') this.addRoom(room.room_id);
    } catch {
      // not JSON: the schema sampler reports it when it samples this response
    }
  }

  private pick(): LoadOperation {
    const r = this.rng() * this.total;
    for (let i = 0; i < this.cumulative.length; i++) if (r < this.cumulative[i]!) return this.ops[i]!;
    return this.ops[this.ops.length - 1]!;
  }
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
