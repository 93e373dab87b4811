import type { CheckResult } from '../../model/result.js';
import type { GateContext } from '../gate-context.js';

/** Groups whose checks need a target that remembers what it was told. */
export const STATEFUL_GROUPS = new Set(['lifecycle', 'idempotency']);

/**
 * Two creates and a read tell a real implementation from a stateless one (a
 * mock such as `prism mock`, which answers every call from examples): two
 * rooms created without an idempotency key must get different ids, and
 * reading the first must return that room. Returns what was seen when the
 * target looks stateless, so the stateful checks that then fail can say why
 * instead of listing a dozen unrelated-looking failures.
 */
export async function probeStatelessness(ctx: GateContext): Promise<string | undefined> {
  try {
    const first = await ctx.createRoom({ label: 'probe' });
    const second = await ctx.createRoom({ label: 'probe' });
    const create = first.exchange.request;
    if (first.roomId === second.roomId)
      return `two ${create.method} ${new URL(create.url).pathname} without an idempotency key both answered room ${first.roomId}`;
    const request = ctx.api.get(first.roomId);
    const read = await ctx.send(request);
    const readId = ctx.api.idOf(ctx.api.roomOf('get', read.json));
    if (read.status === 200 && readId !== undefined && readId !== first.roomId) return `${request.operationId} of ${first.roomId} answered room ${readId}`;
    return undefined;
  } catch {
    // The create itself failed: lifecycle.create-201-location reports that with evidence.
    return undefined;
  }
}

/** A failed stateful check, its message extended with the statelessness evidence. */
export function withStatelessHint(result: CheckResult, evidence: string | undefined): CheckResult {
  if (evidence === undefined || result.status !== 'failed' || !STATEFUL_GROUPS.has(result.group)) return result;
  return {
    ...result,
    message: `${result.message} — the target appears stateless (${evidence}): is it a mock such as \`prism mock\`? Lifecycle and idempotency checks need a real implementation.`,
  };
}
