import type { GateContext } from '../gate-context.js';
import { roomIdOf } from '../gate-context.js';
import type { Exchange } from '../http/exchange.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import { declaredStatuses } from '../coverage/coverage-recorder.js';
import { propertiesOf } from '../../spec/spec-facts.js';
import { validBodies } from './generated-cases.js';

/**
 * What the generated and coverage checks need to address a real resource and
 * send a body the target can accept: concrete paths, safe valid bodies, and
 * cleaning up what an accepted case created.
 */

/** The template with its path parameters filled in; undefined when a parameter has no value. */
export function concretePath(op: IndexedOperation, values: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const path = op.template.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) missing = true;
    return encodeURIComponent(value ?? '');
  });
  return missing ? undefined : path;
}

/**
 * Values no schema can make safe: a generated webhook URL would point at a
 * random host, so it is replaced by a loopback address nothing listens on
 * (the gate never sends traffic off this machine on a generator's whim); a
 * room name is made unique to the run, within the document's maxLength.
 */
export function adaptGenerated(op: IndexedOperation, body: unknown, ctx: GateContext): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const copy = { ...(body as Record<string, unknown>) };
  if (typeof copy['url'] === 'string') copy['url'] = 'http://127.0.0.1:9/roomgate-generated';
  if (op.template === '/v1/rooms' && typeof copy['name'] === 'string') {
    const nameSchema = propertiesOf(ctx.spec.requestSchema(op)).properties['name'];
    const max = typeof nameSchema?.['maxLength'] === 'number' ? nameSchema['maxLength'] : 100;
    copy['name'] = `${ctx.uniqueName('gen')}-${copy['name']}`.slice(0, max);
  }
  return copy;
}

/** A valid body for the operation that does not depend on the seed (the coverage phase is deterministic). */
export function seedIndependentBody(op: IndexedOperation, ctx: GateContext): Record<string, unknown> | undefined {
  const schema = ctx.spec.requestSchema(op);
  if (schema === undefined) return undefined;
  const body = adaptGenerated(op, validBodies(schema, 0, 1)[0], ctx);
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** Remove what an accepted case created, so a foreign target is left as found. */
export async function cleanUpCreated(ctx: GateContext, op: IndexedOperation, exchange: Exchange): Promise<void> {
  if (exchange.status === undefined || exchange.status < 200 || exchange.status >= 300) return;
  const roomId = roomIdOf(exchange.json);
  if (op.template === '/v1/rooms' && roomId !== undefined) ctx.createdRooms.add(roomId);
  const webhookId = (exchange.json as { webhook_id?: unknown } | undefined)?.webhook_id;
  if (typeof webhookId === 'string') await ctx.http.send({ method: 'DELETE', path: `/v1/webhooks/${encodeURIComponent(webhookId)}` });
}

/** Statuses that say "not this input" for reasons other than the input itself. */
const NOT_ABOUT_INPUT = new Set([401, 403, 404, 405, 409, 429]);

/**
 * The statuses that reject an invalid input "as the contract says": the ones
 * the case prefers (400, 415, 413) that the operation declares; else any 4xx
 * the operation declares for bad input; else, for a document that declares
 * none, any 4xx.
 */
export function rejectionStatuses(op: IndexedOperation, preferred: readonly number[]): number[] {
  const declared = declaredStatuses(op.operation.responses);
  const exact = preferred.filter((s) => declared.includes(s));
  if (exact.length > 0) return exact;
  const inputErrors = declared.filter((s) => s >= 400 && s < 500 && (!NOT_ABOUT_INPUT.has(s) || preferred.includes(s)));
  if (inputErrors.length > 0) return inputErrors;
  return Array.from({ length: 100 }, (_, i) => 400 + i);
}

/** The credentials exchange: sent without a bearer token, its valid body is the target's own credentials. */
export function isTokenOperation(op: IndexedOperation): boolean {
  return op.operationId === 'issueToken' || op.template.endsWith('/auth/token');
}

/** The body of the credentials exchange. */
export function tokenRequestBody(credentials: { clientId: string; clientSecret: string }): { client_id: string; client_secret: string } {
  return { client_id: credentials.clientId, client_secret: credentials.clientSecret };
}

/** The template's path parameter names, in order: `['room_id']` for `/v1/rooms/{room_id}/join-tokens`. */
export function pathParams(op: IndexedOperation): string[] {
  return [...op.template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}
