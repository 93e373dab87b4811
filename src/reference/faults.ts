/**
 * Fault switches of the reference server. Each breaks exactly one promise of
 * the contract, so that every check of the harness can be shown to catch its
 * fault (and to pass on the clean server).
 */
export const FAULTS = {
  envelope: 'error bodies lack the `status` field',
  'id-prefix': 'room ids are issued without the `rm_` prefix',
  idempotency: 'the Idempotency-Key header is ignored (every retry creates a new room)',
  'slow-create': 'POST /v1/rooms takes ~800 ms',
  'server-errors': 'a small fraction (5 %) of API requests answer 500',
  'webhook-signature': 'webhook signatures are computed over the wrong content',
  'stale-count': 'participant_count never changes from 0 (and status never leaves waiting)',
  'no-ratelimit-headers': 'RateLimit-Policy / RateLimit headers are omitted',
  'auth-bypass': 'expired access tokens are accepted',
  'join-refused': 'the join page never connects to signaling',
  'lost-left-event': 'participant.left webhooks are never sent (joins and the API still are)',
  'delete-unknown-room-ok': "DELETE of a room that does not exist (or is another client's) answers 200, not 404",
  'webhook-delete-unknown-ok': 'DELETE of an unknown webhook subscription answers 200, not 404',
  'recording-type-coerced': 'a non-boolean `recording` on create is stored as Boolean(value) instead of a 400',
  'list-cursor-unchecked': 'a list `cursor` over 64 characters answers the first page instead of a 400',
  'join-token-no-auth': 'join-token requests without a valid token answer 404 room_not_found, not 401',
  'ratelimit-remaining-static': 'RateLimit reports the whole quota as remaining on every response (the limit itself still applies)',
  'list-cursor-skips': 'next_cursor points one room too far, so a room is lost at every page boundary',
} as const satisfies Record<string, string>;

export type FaultName = keyof typeof FAULTS;

export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

export function isFaultName(name: string): name is FaultName {
  return Object.hasOwn(FAULTS, name);
}

/** The set of active faults; a cheap membership test on hot paths. */
export class FaultSet {
  private readonly active: ReadonlySet<FaultName>;

  constructor(names: Iterable<FaultName> = []) {
    this.active = new Set(names);
  }

  has(name: FaultName): boolean {
    return this.active.has(name);
  }

  list(): FaultName[] {
    return [...this.active];
  }
}
