/**
 * What shows a fault: the checks of one step that fail under it, or the SLO
 * of the load or webhook-sink step that breaks. The e2e fault tests take their rows from
 * here, and the documentation's fault table is tested against it.
 */
export type FaultCatcher =
  /** `cell`: the one coverage cell (operation and status, or invalid input) the fault fails, where a coverage check catches it. */
  | { step: 'contract'; checks: readonly string[]; cell?: string }
  /** `needs`: the browser step option without which the catching check does not run. */
  | { step: 'browser'; checks: readonly string[]; needs?: string }
  | { step: 'load'; slo: string }
  /** The webhook-sink step's SLO that breaks (webhook delivery while the load step creates and closes rooms). */
  | { step: 'webhook-sink'; slo: string };

export interface FaultDefinition {
  /** The one promise the fault breaks (`roomgate serve --help`). */
  breaks: string;
  caughtBy: FaultCatcher;
}

/**
 * Fault switches of the reference server. Each breaks exactly one promise of
 * the contract, so that every check of the harness can be shown to catch its
 * fault (and to pass on the clean server).
 */
export const FAULTS = {
  envelope: {
    breaks: 'error bodies lack the `status` field',
    caughtBy: { step: 'contract', checks: ['envelope.every-non-2xx'] },
  },
  'id-prefix': {
    breaks: 'room ids are issued without the `rm_` prefix',
    caughtBy: { step: 'contract', checks: ['lifecycle.room-id-prefix', 'schema.createRoom'] },
  },
  idempotency: {
    breaks: 'the Idempotency-Key header is ignored (every retry creates a new room)',
    caughtBy: { step: 'contract', checks: ['idempotency.replay-returns-same-room', 'idempotency.concurrent-duplicates-one-room'] },
  },
  'slow-create': {
    breaks: 'POST /v1/rooms takes ~800 ms',
    // Not a contract promise: the latency SLO the seed asks for (median create < 300 ms).
    caughtBy: { step: 'load', slo: 'create_room.p50 < 300ms' },
  },
  'slow-delete': {
    breaks: 'every second DELETE /v1/rooms/{room_id} takes ~2 s (a client that gives up first closes nothing)',
    // Not a contract promise: the latency SLO of the load mix's deletes; the load step's cleanup must then
    // list exactly the rooms its timed-out closes left open (test/e2e/load-cleanup-truth.test.ts).
    caughtBy: { step: 'load', slo: 'delete_room.p99 < 1s' },
  },
  'server-errors': {
    breaks: 'a small fraction (5 %) of API requests answer 500',
    caughtBy: { step: 'contract', checks: ['schema.no-server-errors'] },
  },
  'webhook-signature': {
    breaks: 'webhook signatures are computed over the wrong content',
    caughtBy: { step: 'contract', checks: ['webhooks.signature-valid'] },
  },
  'webhook-drop': {
    breaks: 'every fifth webhook delivery is never sent (no attempt, no retry)',
    caughtBy: { step: 'webhook-sink', slo: 'webhooks_missing == 0' },
  },
  'webhook-delay': {
    breaks: 'every webhook delivery is first attempted ~6 s after its event',
    caughtBy: { step: 'webhook-sink', slo: 'webhook_delivery.p99 < 5s' },
  },
  'stale-count': {
    breaks: 'participant_count never changes from 0 (and status never leaves waiting)',
    caughtBy: { step: 'browser', checks: ['api-consistency.participant-count-while-joined'] },
  },
  'no-ratelimit-headers': {
    breaks: 'RateLimit-Policy / RateLimit headers are omitted',
    caughtBy: { step: 'contract', checks: ['rate-limit.headers-structured-fields'] },
  },
  'auth-bypass': {
    breaks: 'expired access tokens are accepted',
    caughtBy: { step: 'contract', checks: ['auth.expired-token-401'] },
  },
  'join-refused': {
    breaks: 'the join page never connects to signaling',
    caughtBy: { step: 'browser', checks: ['participants.all-joined-and-saw-video'] },
  },
  'lost-left-event': {
    breaks: 'participant.left webhooks are never sent (joins and the API still are)',
    caughtBy: { step: 'browser', checks: ['webhooks.one-joined-and-left-per-participant'], needs: 'webhooks: true' },
  },
  'delete-unknown-room-ok': {
    breaks: "DELETE of a room that does not exist (or is another client's) answers 200, not 404",
    caughtBy: { step: 'contract', checks: ['coverage.declared-responses.deleteRoom'], cell: 'deleteRoom 404' },
  },
  'webhook-delete-unknown-ok': {
    breaks: 'DELETE of an unknown webhook subscription answers 200, not 404',
    caughtBy: { step: 'contract', checks: ['coverage.declared-responses.deleteWebhook'], cell: 'deleteWebhook 404' },
  },
  'recording-type-coerced': {
    breaks: 'a non-boolean `recording` on create is stored as Boolean(value) instead of a 400',
    caughtBy: { step: 'contract', checks: ['coverage.invalid-inputs.createRoom'], cell: 'createRoom recording of the wrong type' },
  },
  'list-cursor-unchecked': {
    breaks: 'a list `cursor` over 64 characters answers the first page instead of a 400',
    caughtBy: { step: 'contract', checks: ['coverage.invalid-inputs.listRooms'], cell: 'listRooms ?cursor=65 characters (longer than maxLength 64)' },
  },
  'join-token-no-auth': {
    breaks: 'join-token requests without a valid token answer 404 room_not_found, not 401',
    caughtBy: { step: 'contract', checks: ['coverage.declared-responses.createJoinToken'], cell: 'createJoinToken 401' },
  },
  'ratelimit-remaining-static': {
    breaks: 'RateLimit reports the whole quota as remaining on every response (the limit itself still applies)',
    // Found by the gate's run against an independent implementation (a Python server written from the contract alone).
    caughtBy: { step: 'contract', checks: ['rate-limit.remaining-reaches-zero'] },
  },
  'list-cursor-skips': {
    breaks: 'next_cursor points one room too far, so a room is lost at every page boundary',
    caughtBy: { step: 'contract', checks: ['lifecycle.pagination'] },
  },
  // The identity faults (OWASP API1/API3): each lets another API client through one door, or a client set one readOnly field.
  'cross-client-read': {
    breaks: "GET /v1/rooms/{room_id} answers another client's room (200) instead of 404",
    caughtBy: { step: 'contract', checks: ['identity.other-client-cannot-read'] },
  },
  'cross-client-close': {
    breaks: "DELETE /v1/rooms/{room_id} closes another client's room",
    caughtBy: { step: 'contract', checks: ['identity.other-client-cannot-close'] },
  },
  'cross-client-join-token': {
    breaks: "POST /v1/rooms/{room_id}/join-tokens mints a join token for another client's room",
    caughtBy: { step: 'contract', checks: ['identity.other-client-cannot-mint-join-tokens'] },
  },
  'cross-client-webhook-delete': {
    breaks: "DELETE /v1/webhooks/{webhook_id} removes another client's subscription",
    caughtBy: { step: 'contract', checks: ['identity.other-client-cannot-delete-webhook'] },
  },
  'cross-client-list': {
    breaks: "GET /v1/rooms lists every client's rooms, not only the caller's",
    caughtBy: { step: 'contract', checks: ['identity.lists-never-show-other-clients-rooms'] },
  },
  'read-only-status-writable': {
    breaks: 'POST /v1/rooms accepts the readOnly `status` and creates the room in the status the client sent',
    caughtBy: { step: 'contract', checks: ['identity.read-only-fields-ignored'] },
  },
} as const satisfies Record<string, FaultDefinition>;

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
