/**
 * When the members of a parallel group run, on the group's clock. Pure
 * arithmetic, kept apart from the runner so the schedule can be tested
 * without waiting for it.
 *
 * A member's k-th run has its slot at `origin + start + k × every`: the
 * moment its measured phase begins. It is launched `lead` earlier, so its
 * setup (a browser launch, a token, a pool of rooms) is done by its slot and
 * its windows line up with every other step's on the run's clock.
 */
export interface MemberTiming {
  startMs: number;
  everyMs?: number;
  times?: number;
  /** Setup time the member needs before its measured phase. */
  leadMs: number;
}

/**
 * Offset 0 of a group that starts now: late enough that every member's first
 * launch is not in the past (a member at +0 with a 5 s lead moves the whole
 * group 5 s later, so all of them keep their offsets to each other). A
 * distributed run's agreed `--start-at` wins, so every shard's group runs on
 * the same clock; a shard that is late for it starts at once and says so.
 */
export function groupOrigin(members: readonly MemberTiming[], nowMs: number, startAtMs?: number): number {
  if (startAtMs !== undefined) return Math.max(startAtMs, nowMs);
  const needed = Math.max(0, ...members.map((m) => m.leadMs - m.startMs));
  return nowMs + needed;
}

/** The slot of run `index` (0-based), epoch ms. */
export function slotAt(member: MemberTiming, originMs: number, index: number): number {
  return originMs + member.startMs + index * (member.everyMs ?? 0);
}

/**
 * The next run of a recurring member at or after `index` whose launch is not
 * already past at `nowMs` (a run that overran its period does not make the
 * next one start late or overlap it: the runs it overlapped are skipped and
 * counted). Undefined when `times` runs are used up.
 */
export function nextRun(member: MemberTiming, originMs: number, index: number, nowMs: number): { index: number; slotMs: number; skipped: number } | undefined {
  if (member.everyMs === undefined) return index === 0 ? { index: 0, slotMs: slotAt(member, originMs, 0), skipped: 0 } : undefined;
  let next = index;
  while (slotAt(member, originMs, next) - member.leadMs < nowMs - SLOT_TOLERANCE_MS) next += 1;
  if (member.times !== undefined && next >= member.times) return undefined;
  return { index: next, slotMs: slotAt(member, originMs, next), skipped: next - index };
}

/** A launch this little in the past is still on time (timers fire a few ms late). */
export const SLOT_TOLERANCE_MS = 50;

/** A member that recurs without `times` repeats only while the group's other members run. */
export function isOpenEnded(member: MemberTiming): boolean {
  return member.everyMs !== undefined && member.times === undefined;
}
