import type { ListRequest } from '../profile/room-api.js';
import type { RoomState } from '../profile/types.js';
import { describeExchange, expectStatus, UnexpectedResponse } from './check.js';
import { operationIn, type GateFacts } from './check-preconditions.js';
import type { GateContext } from './gate-context.js';
import type { Exchange, Exchanger } from './http/exchange.js';

/**
 * Walking the profile's list of rooms the way the API pages it (a cursor in
 * the answer, the last item's id, a next-page URL, or one page for all), as
 * any identity. Bounded: a server that hands out the same page forever ends
 * the walk, and so does `maxPages`.
 */
export interface ListWalk {
  /** Every page's exchange, in order. */
  pages: Exchange[];
  /** Every room seen, with the page that showed it. */
  rooms: { item: unknown; exchange: Exchange }[];
  /** The list ended (its last page was read) rather than the walk stopping early. */
  complete: boolean;
  /** The room `stop` picked, if it picked one. */
  found?: { item: unknown; exchange: Exchange };
}

export interface WalkOptions {
  /** Another identity's exchanger; default the gate's own client. */
  http?: Exchanger;
  /** Rooms per page, when the list takes a page size (clipped to the document's maximum). */
  limit?: number;
  status?: RoomState;
  /** Stop at the first room this picks. */
  stop?: (item: unknown) => boolean;
  maxPages?: number;
}

const DEFAULT_MAX_PAGES = 100;

export async function walkRoomList(ctx: GateContext, options: WalkOptions = {}): Promise<ListWalk> {
  const walk: ListWalk = { pages: [], rooms: [], complete: false };
  const seen = new Set<string>();
  const limit = listPageSize(ctx.facts, options.limit ?? 100);
  let request: ListRequest | undefined = ctx.api.list({
    ...(limit === undefined ? {} : { limit }),
    ...(options.status === undefined ? {} : { status: options.status }),
  });
  while (request !== undefined && walk.pages.length < (options.maxPages ?? DEFAULT_MAX_PAGES)) {
    // A next page that repeats a page already read would loop forever: the list has ended as far as it can be walked.
    if (seen.has(request.path)) return walk;
    seen.add(request.path);
    const exchange = await ctx.send(request, options.http === undefined ? {} : { http: options.http });
    walk.pages.push(exchange);
    const items = listItems(ctx, exchange, request);
    for (const item of items) {
      walk.rooms.push({ item, exchange });
      if (options.stop?.(item) === true) {
        walk.found = { item, exchange };
        return walk;
      }
    }
    request = ctx.api.nextPageOf(exchange.json, request);
  }
  walk.complete = request === undefined;
  return walk;
}

/** The rooms of one list answer; a refused list or one without the array where the profile says fails the check that asked. */
export function listItems(ctx: GateContext, exchange: Exchange, request: ListRequest): unknown[] {
  expectStatus(exchange, successOf(ctx), `${request.operationId} (${request.method} ${request.path})`);
  const items = ctx.api.itemsOf(exchange.json);
  if (items === undefined) {
    const where = ctx.profile.rooms.list?.items || '/';
    throw new UnexpectedResponse(
      `${request.operationId} answered ${describeExchange(exchange)} with no array of rooms at ${where}`,
      exchange,
      `a page of rooms at ${where}`,
    );
  }
  return items;
}

/** The 2xx statuses the list declares (200 when it declares none). */
function successOf(ctx: GateContext): number[] {
  const op = operationIn(ctx.facts, 'listRooms');
  const declared = Object.keys(op?.operation.responses ?? {})
    .filter((c) => /^2\d\d$/.test(c))
    .map(Number);
  return declared.length > 0 ? declared : [200];
}

/**
 * The page size to ask for: `wanted`, within the maximum the document gives
 * the parameter the profile fills with `{{limit}}`; undefined when the list
 * takes no page size.
 */
export function listPageSize(facts: GateFacts, wanted: number): number | undefined {
  const list = facts.profile.rooms.list;
  if (list === undefined) return undefined;
  const param = Object.entries(list.query).find(([, value]) => typeof value === 'string' && /^\{\{\s*limit\s*\}\}$/.test(value))?.[0];
  const bodyKey =
    typeof list.body === 'object' && list.body !== null && !Array.isArray(list.body)
      ? Object.entries(list.body).find(([, value]) => typeof value === 'string' && /^\{\{\s*limit\s*\}\}$/.test(value))?.[0]
      : undefined;
  if (param === undefined && bodyKey === undefined) return undefined;
  const op = operationIn(facts, 'listRooms');
  const schema = op?.parameters.find((p) => p.in === 'query' && p.name === param)?.schema;
  const maximum = typeof schema === 'object' && typeof schema['maximum'] === 'number' ? schema['maximum'] : undefined;
  return maximum === undefined ? wanted : Math.min(wanted, maximum);
}
