import type { ContractGroup } from './options.js';
import {
  declaresErrorEnvelope,
  declaresRateLimitHeaders,
  declaresRequestHeader,
  documents,
  idPattern,
  missingOperation,
  operationFor,
  operationPointer,
  paginationOf,
  queryEnum,
  type OperationRole,
} from './spec/spec-facts.js';
import type { SpecIndex } from './spec/spec-index.js';

/**
 * Every check the gate can report, with what it enforces and where that
 * promise is written down. A citation is a JSON pointer into the OpenAPI
 * document (operation, status, header, schema path; `{createRoom}` stands for
 * the pointer of that operation in the document in use), optionally with the
 * words the pointed text must contain, or a rule of the README. Standards the
 * document itself names (IETF drafts, Standard Webhooks) are listed too.
 *
 * `requires` reads the document in use: when it lacks what the check needs
 * (the user's spec has no webhooks, no pagination, no Idempotency-Key), the
 * check is skipped with that reason and never fails. A unit test resolves
 * every citation of every entry in the published contract.
 */
export type Citation =
  | { source: 'openapi'; pointer: string; quote?: string }
  | { source: 'readme'; section: string; quote: string }
  | { source: 'standard'; name: string };

export interface CatalogEntry {
  /** The check id; `{operationId}` is expanded per operation, `{interaction}` per pact interaction. */
  id: string;
  group: ContractGroup | 'pact';
  enforces: string;
  cites: Citation[];
  /** A skip reason when the document in use does not state what this check enforces. */
  requires?: (spec: SpecIndex) => string | undefined;
}

const op = (pointer: string, quote?: string): Citation => ({ source: 'openapi', pointer, ...(quote === undefined ? {} : { quote }) });
const readme = (section: string, quote: string): Citation => ({ source: 'readme', section, quote });
const standard = (name: string): Citation => ({ source: 'standard', name });
const INFO = '#/info/description';
const needs = (...roles: OperationRole[]) => (spec: SpecIndex) => missingOperation(spec, ...roles);
const all =
  (...checks: ((spec: SpecIndex) => string | undefined)[]) =>
  (spec: SpecIndex) => {
    for (const check of checks) {
      const reason = check(spec);
      if (reason !== undefined) return reason;
    }
    return undefined;
  };
const documented = (role: OperationRole, status: number) => (spec: SpecIndex) =>
  documents(operationFor(spec, role), status) ? undefined : `the OpenAPI document does not declare a ${status} response for ${role}`;
const envelope = (spec: SpecIndex) =>
  declaresErrorEnvelope(spec) ? undefined : 'the OpenAPI document\'s error responses do not declare the {error, message, status} envelope';
const idempotencyKey = (spec: SpecIndex) =>
  declaresRequestHeader(operationFor(spec, 'createRoom'), 'Idempotency-Key') ? undefined : 'createRoom declares no Idempotency-Key header';
const rateLimits = (spec: SpecIndex) => (declaresRateLimitHeaders(spec) ? undefined : 'the OpenAPI document declares no RateLimit headers');
const pagination = (spec: SpecIndex) =>
  paginationOf(spec, operationFor(spec, 'listRooms')) === undefined ? 'listRooms declares no cursor pagination (page size and cursor parameters, items and next-cursor fields)' : undefined;
const webhooks = (spec: SpecIndex) => {
  const reason = missingOperation(spec, 'createWebhook');
  if (reason !== undefined) return reason;
  const events = Object.keys(spec.document.webhooks ?? {});
  return events.includes('room.created') && events.includes('room.closed') ? undefined : 'the document\'s webhooks section does not define room.created and room.closed';
};

export const CHECK_CATALOG: readonly CatalogEntry[] = [
  // schema: every response the gate sees, judged by the document.
  { id: 'schema.{operationId}', group: 'schema', enforces: 'every response to this operation has a documented status, content type, required headers and a body valid against its schema', cites: [op('{operation}/responses')] },
  { id: 'schema.responses-readable', group: 'schema', enforces: 'every response is complete, UTF-8, and within the request deadline', cites: [op('{createRoom}/responses/201/content/application~1json')] },
  { id: 'schema.no-server-errors', group: 'schema', enforces: 'no request the gate sends is answered 5xx (500 is documented as "the server failed", a defect)', cites: [op('#/components/responses/InternalError/description', 'the server failed')] },
  { id: 'envelope.every-non-2xx', group: 'envelope', enforces: 'every non-2xx body is {error, message, status} with status equal to the HTTP code, framework errors included', cites: [op(INFO, 'every non-2xx response, including unknown routes'), op('#/components/schemas/Error')], requires: envelope },

  { id: 'routing.unknown-version-404', group: 'routing', enforces: 'a path under another API version is 404 in the envelope', cites: [op(INFO, 'including unknown routes'), standard('RFC 9110 §15.5.5 (404 Not Found)')], requires: (spec) => (spec.operations.some((o) => /^\/v\d+\//.test(o.template)) ? envelope(spec) : 'the document\'s paths carry no /vN version prefix') },
  { id: 'routing.unknown-path-404', group: 'routing', enforces: 'an unknown path is 404 in the envelope', cites: [op(INFO, 'including unknown routes'), standard('RFC 9110 §15.5.5 (404 Not Found)')], requires: envelope },
  { id: 'routing.undeclared-method-405', group: 'routing', enforces: 'a method the document does not declare for a path is 405 with an Allow header listing (in any order) the declared methods', cites: [op('#/components/responses/MethodNotAllowed/headers/Allow'), op(INFO, 'wrong methods'), standard('RFC 9110 §15.5.6 (405 MUST send Allow)')], requires: (spec) => (spec.operations.some((o) => documents(o, 405)) ? undefined : 'no operation documents a 405 response') },

  { id: 'lifecycle.create-201-location', group: 'lifecycle', enforces: 'POST creates a room: 201, Location of the new room, the requested fields echoed, status waiting', cites: [op('{createRoom}/responses/201/headers/Location'), op(INFO, '`waiting` (nobody has joined yet)')], requires: needs('createRoom') },
  { id: 'lifecycle.room-id-prefix', group: 'lifecycle', enforces: 'room ids match the pattern the document gives room_id (rm_ + base62 in VideoConnect)', cites: [op('{createRoom}/responses/201/content/application~1json/schema/properties/room_id/pattern')], requires: (spec) => (idPattern(spec, operationFor(spec, 'createRoom')) === undefined ? 'the create response schema gives room_id no pattern' : undefined) },
  { id: 'lifecycle.get-matches-create', group: 'lifecycle', enforces: 'GET of a new room returns the representation POST returned', cites: [op('{getRoom}/responses/200'), op('{createRoom}/responses/201')], requires: needs('createRoom', 'getRoom') },
  { id: 'lifecycle.list-contains-room', group: 'lifecycle', enforces: 'the caller\'s list contains the room it created, each room on one page', cites: [op('{listRooms}/responses/200')], requires: all(needs('createRoom', 'listRooms'), pagination) },
  { id: 'lifecycle.pagination', group: 'lifecycle', enforces: 'pages join up: a page of one has a next cursor, and walking one room at a time gives exactly the rooms of a larger page, none lost or repeated at a boundary', cites: [op('{listRooms}/parameters'), op('{listRooms}/responses/200/content/application~1json/schema')], requires: all(needs('createRoom', 'listRooms'), pagination) },
  { id: 'lifecycle.delete-closes-room', group: 'lifecycle', enforces: 'DELETE answers 200 and the room then reads as closed (closed rooms stay readable)', cites: [op('{deleteRoom}/description', 'sets the status to `closed`'), op(INFO, 'Closed rooms stay readable')], requires: needs('createRoom', 'deleteRoom', 'getRoom') },
  { id: 'lifecycle.second-delete-documented', group: 'lifecycle', enforces: 'deleting a closed room answers a status the document declares, never 5xx', cites: [op('{deleteRoom}/responses')], requires: needs('createRoom', 'deleteRoom') },
  { id: 'lifecycle.unknown-room-404', group: 'lifecycle', enforces: 'a room id that does not exist is 404 with the error code the document gives that 404', cites: [op('{getRoom}/responses/404')], requires: all(needs('createRoom', 'getRoom'), documented('getRoom', 404)) },
  { id: 'lifecycle.status-filter', group: 'lifecycle', enforces: 'status=closed lists only closed rooms', cites: [op('{listRooms}/parameters')], requires: (spec) => (queryEnum(operationFor(spec, 'listRooms'), 'status')?.includes('closed') === true ? undefined : 'listRooms has no status filter with the value closed') },

  { id: 'auth.token-response', group: 'auth', enforces: 'valid client credentials get 200 {access_token, token_type Bearer, expires_in > 0}', cites: [op('{issueToken}/responses/200'), standard('RFC 6749 §5.1')], requires: needs('issueToken') },
  { id: 'auth.bad-client-401', group: 'auth', enforces: 'a wrong client secret is 401 with the error code the document gives', cites: [op('{issueToken}/responses/401')], requires: all(needs('issueToken'), documented('issueToken', 401)) },
  { id: 'auth.missing-token-401', group: 'auth', enforces: 'no Authorization header is 401 (with WWW-Authenticate when the document requires it)', cites: [op('{listRooms}/responses/401'), standard('RFC 6750 §3')], requires: all(needs('listRooms'), documented('listRooms', 401)) },
  { id: 'auth.garbage-token-401', group: 'auth', enforces: 'a bearer token that is not a JWT is 401', cites: [op('{listRooms}/responses/401')], requires: all(needs('listRooms'), documented('listRooms', 401)) },
  { id: 'auth.alg-none-401', group: 'auth', enforces: 'an unsigned (alg: none) token with valid claims is 401', cites: [op('{listRooms}/responses/401'), standard('RFC 8725 §3.1')], requires: all(needs('issueToken', 'listRooms'), documented('listRooms', 401)) },
  { id: 'auth.wrong-signature-401', group: 'auth', enforces: 'a token with valid claims signed by another key is 401', cites: [op('{listRooms}/responses/401')], requires: all(needs('issueToken', 'listRooms'), documented('listRooms', 401)) },
  { id: 'auth.expired-token-401', group: 'auth', enforces: 'an expired, correctly signed token is 401', cites: [op('{listRooms}/responses/401'), op('{issueToken}/responses/200/content/application~1json/schema/properties/expires_in')], requires: all(needs('issueToken', 'listRooms'), documented('listRooms', 401)) },

  { id: 'lifecycle.after-join-token', group: 'lifecycle', enforces: 'after a join token is issued, every operation on the room answers as documented: it stays readable and unchanged, another token is issued', cites: [op('{createJoinToken}/responses/201'), op('{getRoom}/responses/200')], requires: needs('createRoom', 'deleteRoom', 'createJoinToken') },
  { id: 'lifecycle.after-delete', group: 'lifecycle', enforces: 'after DELETE, every operation on the room answers as documented: readable and closed, a second delete idempotent, new join tokens refused (409)', cites: [op('{deleteRoom}/description', 'Closing a closed room answers the same 200'), op(INFO, 'Closed rooms stay readable')], requires: needs('createRoom', 'deleteRoom') },

  { id: 'coverage.invalid-inputs.{operationId}', group: 'coverage', enforces: 'every invalid input the request schema, required headers, query and path parameters allow (missing required, each wrong type, each bound, pattern, enum, unknown property, malformed JSON, wrong media type, oversized where 413 is declared) is sent once and rejected with the declared status in the envelope', cites: [op('{operation}/responses')] },
  { id: 'coverage.declared-responses.{operationId}', group: 'coverage', enforces: 'every status the operation declares is provoked once through the public API (404 unknown id, 401 no credentials, 405 undeclared method, 409 closed room, 422 reused key, 2xx valid request) and answers as declared; 5xx are listed as not provokable', cites: [op('{operation}/responses')] },
  { id: 'coverage.minimum', group: 'coverage', enforces: 'with --min-coverage P, at least P % of the provokable cells of each coverage map (declared responses, invalid inputs) were provoked', cites: [readme('Contract coverage', '--min-coverage')] },

  { id: 'generated.valid-accepted.{operationId}', group: 'generated', enforces: 'bodies valid against the request schema (seeded, json-schema-faker) are accepted with 2xx', cites: [op('{operation}/requestBody')] },
  { id: 'generated.invalid-rejected.{operationId}', group: 'generated', enforces: 'seeded random bodies with one field set to a value the request schema rejects (ajv-confirmed) are 4xx in the envelope, never 5xx', cites: [op('{operation}/requestBody'), op('{operation}/responses')] },

  { id: 'idempotency.replay-returns-same-room', group: 'idempotency', enforces: 'the same Idempotency-Key and body return the stored response, no new room', cites: [op('#/components/parameters/IdempotencyKey'), standard('draft-ietf-httpapi-idempotency-key-header')], requires: all(needs('createRoom'), idempotencyKey) },
  { id: 'idempotency.key-reused-with-other-body-422', group: 'idempotency', enforces: 'the same key with another body is 422', cites: [op('{createRoom}/responses/422'), standard('draft-ietf-httpapi-idempotency-key-header §2.7')], requires: all(needs('createRoom'), idempotencyKey, documented('createRoom', 422)) },
  { id: 'idempotency.concurrent-duplicates-one-room', group: 'idempotency', enforces: 'concurrent duplicates with one key create one room (the others 201 replay or 409)', cites: [op('{createRoom}/responses/409'), standard('draft-ietf-httpapi-idempotency-key-header §2.7')], requires: all(needs('createRoom'), idempotencyKey) },
  { id: 'idempotency.keys-scoped-per-client', group: 'idempotency', enforces: 'one client\'s key never returns another client\'s response', cites: [op(INFO, 'Keys are scoped per API client')], requires: all(needs('createRoom'), idempotencyKey) },

  { id: 'webhooks.subscribe', group: 'webhooks', enforces: 'POST /v1/webhooks answers 201 with webhook_id and signing secret', cites: [op('{createWebhook}/responses/201')], requires: webhooks },
  { id: 'webhooks.events-driven', group: 'webhooks', enforces: 'the API calls that cause room.created and room.closed succeed', cites: [op('#/webhooks/room.created'), op('#/webhooks/room.closed')], requires: webhooks },
  { id: 'webhooks.signature-valid', group: 'webhooks', enforces: 'every delivery carries a valid Standard Webhooks signature with the subscription secret', cites: [op('#/components/parameters/WebhookSignature'), standard('Standard Webhooks')], requires: webhooks },
  { id: 'webhooks.timestamp-within-tolerance', group: 'webhooks', enforces: 'webhook-timestamp is within the tolerance of the receiver\'s clock', cites: [op('#/components/parameters/WebhookTimestamp', 'reject stale ones')], requires: webhooks },
  { id: 'webhooks.payload-schema', group: 'webhooks', enforces: 'every payload is valid against the document\'s webhooks schema for its type', cites: [op('#/webhooks')], requires: webhooks },
  { id: 'webhooks.room-created-exactly-once', group: 'webhooks', enforces: 'room.created arrives exactly once after de-duplication by webhook-id', cites: [op('#/webhooks/room.created'), standard('Standard Webhooks (at-least-once, de-duplicate by webhook-id)')], requires: webhooks },
  { id: 'webhooks.room-closed-exactly-once', group: 'webhooks', enforces: 'room.closed arrives exactly once after de-duplication by webhook-id', cites: [op('#/webhooks/room.closed')], requires: webhooks },
  { id: 'webhooks.id-stable-across-retry', group: 'webhooks', enforces: 'a refused delivery is retried with the same webhook-id', cites: [op('#/webhooks/room.created/post/responses/2XX/description', 'with the same `webhook-id`')], requires: webhooks },
  { id: 'webhooks.arrival-within-budget', group: 'webhooks', enforces: 'deliveries arrive within the propagation budget (5 s) of the API call', cites: [readme('Contract gate', 'arrival < 5 s')], requires: webhooks },
  { id: 'webhooks.participant-events', group: 'webhooks', enforces: 'participant.joined/left (checked by the browser step, which drives joins)', cites: [op('#/webhooks/participant.joined')], requires: webhooks },

  { id: 'rate-limit.headers-structured-fields', group: 'rate-limit', enforces: 'every authenticated 2xx carries RateLimit-Policy and RateLimit as Structured Fields', cites: [op('#/components/headers/RateLimit-Policy'), op('#/components/headers/RateLimit'), standard('draft-ietf-httpapi-ratelimit-headers')], requires: rateLimits },
  { id: 'rate-limit.remaining-never-increases', group: 'rate-limit', enforces: 'RateLimit remaining never rises before its reset time', cites: [op('#/components/headers/RateLimit'), standard('draft-ietf-httpapi-ratelimit-headers')], requires: rateLimits },
  { id: 'rate-limit.burst-reaches-429', group: 'rate-limit', enforces: 'a burst past the quota gets 429 with Retry-After and the documented error code', cites: [op('{listRooms}/responses/429'), op(INFO, 'over the quota the answer is 429')], requires: all(rateLimits, documented('listRooms', 429)) },
  { id: 'rate-limit.remaining-reaches-zero', group: 'rate-limit', enforces: 'RateLimit remaining counts the quota down: before the burst\'s 429 an accepted response reported (nearly) 0 remaining, and the 429 does not report quota left', cites: [op('#/components/headers/RateLimit', 'r=<remaining>'), standard('draft-ietf-httpapi-ratelimit-headers')], requires: all(rateLimits, documented('listRooms', 429)) },

  { id: 'pact.matches-openapi.{interaction}', group: 'pact', enforces: 'the pact interaction is valid against the OpenAPI document (request and response schemas)', cites: [op('#/paths')] },
  { id: 'pact.provider-verification', group: 'pact', enforces: 'the target honours every interaction of the consumer pacts (Pact Verifier)', cites: [readme('Pact against your own API and a pact broker', 'placeholder credentials')] },
];

/** The catalog entry of a concrete check id (per-operation ids match their `{operationId}` pattern). */
export function catalogEntry(id: string): CatalogEntry | undefined {
  const exact = CHECK_CATALOG.find((e) => e.id === id);
  if (exact !== undefined) return exact;
  return CHECK_CATALOG.find((e) => e.id.includes('{') && id.startsWith(e.id.slice(0, e.id.indexOf('{'))));
}

/**
 * The citations of a check as readable strings for the document in use:
 * `openapi #/paths/~1v1~1rooms/post/responses/201/headers/Location`,
 * `README "Contract gate": "arrival < 5 s"`, `standard: RFC 9110 §15.5.6`.
 */
export function citationsFor(spec: SpecIndex, id: string): string[] {
  const entry = catalogEntry(id);
  if (entry === undefined) return [];
  const operationId = entry.id.includes('{operationId}') ? id.slice(entry.id.indexOf('{')) : undefined;
  return entry.cites.map((c) => {
    switch (c.source) {
      case 'openapi': {
        const pointer = expandPointer(spec, c.pointer, operationId);
        return `openapi ${pointer ?? c.pointer}${c.quote === undefined ? '' : `: "${c.quote}"`}`;
      }
      case 'readme':
        return `README "${c.section}": "${c.quote}"`;
      case 'standard':
        return `standard: ${c.name}`;
    }
  });
}

/** `{createRoom}`/`{operation}` replaced by the operation's pointer in this document; undefined when it lacks it. */
export function expandPointer(spec: SpecIndex, pointer: string, operationId?: string): string | undefined {
  const match = /^\{([A-Za-z]+)\}/.exec(pointer);
  if (match === null) return pointer;
  const name = match[1] as string;
  const target = name === 'operation' ? (operationId === undefined ? undefined : spec.byId(operationId)) : operationFor(spec, name as OperationRole);
  return target === undefined ? undefined : `${operationPointer(spec, target)}${pointer.slice(match[0].length)}`;
}

/** The value a JSON pointer (`#/a/b~1c`) designates in the document, or undefined. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (!pointer.startsWith('#')) return undefined;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The concrete check ids for a document: per-operation entries expanded over its operations. */
export function checkIdsFor(spec: SpecIndex): { id: string; entry: CatalogEntry }[] {
  const rows: { id: string; entry: CatalogEntry }[] = [];
  for (const entry of CHECK_CATALOG) {
    if (entry.id.includes('{interaction}')) rows.push({ id: entry.id, entry });
    else if (entry.id.includes('{operationId}')) {
      for (const o of spec.operations) {
        if (entry.id.startsWith('generated.') && (o.method !== 'post' || spec.requestSchema(o) === undefined)) continue;
        if (entry.id.startsWith('coverage.invalid-inputs') && spec.requestSchema(o) === undefined && !o.parameters.some((p) => p.in === 'query' || p.in === 'path')) continue;
        rows.push({ id: entry.id.replace('{operationId}', o.operationId), entry });
      }
    } else rows.push({ id: entry.id, entry });
  }
  return rows;
}

/** One row of `roomgate contract --list-checks`. */
export interface CheckListing {
  id: string;
  group: string;
  enforces: string;
  cites: string[];
  /** Why the check would be skipped with this document, when it would. */
  notApplicable?: string;
}

export function listChecks(spec: SpecIndex): CheckListing[] {
  return checkIdsFor(spec).map(({ id, entry }) => {
    const notApplicable = entry.requires?.(spec);
    return { id, group: entry.group, enforces: entry.enforces, cites: citationsFor(spec, id), ...(notApplicable === undefined ? {} : { notApplicable }) };
  });
}

/**
 * Citations of the catalog that do not resolve: an OpenAPI pointer that
 * designates nothing in `spec` (or whose text lacks the quoted words), a
 * README rule whose section or words are not in `readme`. Empty for the
 * published contract and README (a unit test holds it there).
 */
export function unresolvedCitations(spec: SpecIndex, readme: string): string[] {
  const problems: string[] = [];
  for (const { id, entry } of checkIdsFor(spec)) {
    const operationId = entry.id.includes('{operationId}') ? id.slice(entry.id.indexOf('{')) : undefined;
    const citesDocument = entry.cites.some((c) => c.source !== 'standard');
    if (!citesDocument) problems.push(`${id}: cites only standards, nothing in the document or README`);
    for (const c of entry.cites) {
      if (c.source === 'openapi') {
        const pointer = expandPointer(spec, c.pointer, operationId);
        const target = pointer === undefined ? undefined : resolvePointer(spec.document, pointer);
        if (target === undefined) problems.push(`${id}: ${c.pointer} does not resolve`);
        else if (c.quote !== undefined && !JSON.stringify(target).includes(JSON.stringify(c.quote).slice(1, -1))) {
          problems.push(`${id}: ${pointer} does not say "${c.quote}"`);
        }
      } else if (c.source === 'readme') {
        const start = readme.search(new RegExp(`^#+ ${c.section.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm'));
        if (start < 0) problems.push(`${id}: README has no section "${c.section}"`);
        else {
          const rest = readme.slice(readme.indexOf('\n', start) + 1);
          const next = rest.search(/^#+ /m);
          if (!(next < 0 ? rest : rest.slice(0, next)).includes(c.quote)) problems.push(`${id}: README "${c.section}" does not say "${c.quote}"`);
        }
      }
    }
  }
  return problems;
}
