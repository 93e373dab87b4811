import { sleep } from '../abortable-sleep.js';
import { formatDuration } from '../config/duration.js';
import type { StepResult } from '../model/result.js';
import type { Step } from '../model/step.js';
import { mergeRepetitions, type Repetition } from './merge-repetitions.js';
import { isOpenEnded, nextRun, slotAt, type MemberTiming } from './slot-schedule.js';

/**
 * A member of a parallel group: a step and when it runs on the group's clock.
 */
export interface TimedStep extends MemberTiming {
  step: Step;
  /**
   * A fresh instance of the step whose measured phase begins at `slotMs`
   * (epoch ms), so its windows start on its slot; absent, `step` itself is
   * started at each slot (a step with nothing to line up, e.g. a contract gate).
   */
  at?: (slotMs: number) => Promise<Step>;
}

/** How one run of a member is carried out: the scenario runner's runStep with its band. */
export type RunOnce = (step: Step, phase: { id: string; label: string; slotMs: number }) => Promise<StepResult>;

export interface GroupOptions {
  /** Offset 0 of the group (see groupOrigin). */
  originMs: number;
  /** The run's signal: no new run starts once it has aborted. */
  signal: AbortSignal;
  runOnce: RunOnce;
  /** A member's last run ended: its runs, merged into one result. */
  onMemberDone(result: StepResult): Promise<void>;
  /** A member ended without any run (its first slot came after the group's end, or the run was stopped first). */
  onMemberNotRun(step: Step, reason: string): Promise<void>;
  log(level: 'info' | 'warn', step: string, message: string): void;
}

/**
 * Runs a group's members at the same time on one clock: each at its slots
 * (`start`, then every `every`), launched its setup lead before each slot.
 * Members that run once, or a fixed number of `times`, set the group's
 * length; open-ended recurring members repeat while those are running and
 * start no new run once they are done (a run in progress completes). A
 * recurring member never overlaps itself: a slot that comes while its
 * previous run is still going is skipped, and said so. Each member's runs
 * merge into one result, handed over as soon as its last run has ended.
 */
export async function runGroup(members: readonly TimedStep[], options: GroupOptions): Promise<void> {
  const finite = members.filter((m) => !isOpenEnded(m));
  const horizon = new AbortController();
  let finiteLeft = finite.length;
  const finiteDone = () => {
    finiteLeft -= 1;
    if (finiteLeft <= 0) horizon.abort();
  };
  // A group of open-ended members only is refused while loading (nothing sets its length).
  if (finiteLeft === 0) horizon.abort();
  await Promise.all(
    members.map(async (member) => {
      try {
        await runMember(member, options, isOpenEnded(member) ? AbortSignal.any([options.signal, horizon.signal]) : options.signal);
      } finally {
        if (!isOpenEnded(member)) finiteDone();
      }
    }),
  );
}

async function runMember(member: TimedStep, options: GroupOptions, stop: AbortSignal): Promise<void> {
  const name = member.step.name;
  const runs: Repetition[] = [];
  const recurring = member.everyMs !== undefined;
  let index = 0;
  for (;;) {
    const next = nextRun(member, options.originMs, index, Date.now());
    if (next === undefined) break;
    if (next.skipped > 0)
      options.log(
        'warn',
        name,
        `skipped ${next.skipped} run(s) of ${name}: the run before was still going at their slot (every ${formatDuration(member.everyMs ?? 0)})`,
      );
    await sleep(next.slotMs - member.leadMs - Date.now(), stop);
    if (stop.aborted) break;
    let step: Step;
    try {
      step = member.at === undefined ? member.step : await member.at(next.slotMs);
    } catch (error) {
      options.log('warn', name, `could not prepare run ${next.index + 1} of ${name}: ${(error as Error).message}`);
      break;
    }
    const id = recurring ? `${name}#${next.index + 1}` : name;
    const label = recurring ? `${name} #${next.index + 1}` : name;
    const result = await options.runOnce(step, { id, label, slotMs: next.slotMs });
    runs.push({ result, offsetMs: next.slotMs - options.originMs });
    if (!recurring) break;
    index = next.index + 1;
  }
  if (runs.length > 0) return options.onMemberDone(mergeRepetitions(name, runs));
  const firstSlot = slotAt(member, options.originMs, 0);
  return options.onMemberNotRun(
    member.step,
    options.signal.aborted
      ? 'the run was stopped before its first slot'
      : `the group's other steps had ended before its first slot (+${formatDuration(firstSlot - options.originMs)})`,
  );
}
