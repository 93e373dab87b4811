import type { CheckResult } from '../../model/result.js';
import type { GateContext } from '../gate-context.js';
import { roomIdOf } from '../gate-context.js';

/** Groups whose checks need a target that remembers what it was told. */
export const STATEFUL_GROUPS = new Set(['lifecycle', 'idempotency']);

/**
 * Two creates and a read tell a real implementation from a stateless one (a
 * mock such as `prism mock`, which answers every call from examples): two
 * rooms created without an Idempotency-Key must get different ids, and
 * reading the first must return that room. Returns what was seen when the
 * target looks stateless, so the stateful checks that then fail can say why
 * instead of listing a dozen unrelated-looking failures.
 */
export async function probeStatelessness(ctx: GateContext): Promise<string | undefined> {
  try {
    const first = await ctx.createRoom({ name: ctx.uniqueName('probe') });
    const second = await ctx.createRoom({ name: ctx.uniqueName('probe') });
    if (first.roomId === second.roomId) return `two POST /v1/rooms without an Idempotency-Key both answered room_id ${first.roomId}`;
    const read = await ctx.http.send({ method: 'GET', path: `/v1/rooms/${encodeURIComponent(first.roomId)}` });
    const readId = roomIdOf(read.json);
    if (read.status === 200 && readId !== first.roomId) return `GET /v1/rooms/${first.roomId} answered room_id ${String(readId)}`;
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
