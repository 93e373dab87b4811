import { readFileSync } from 'node:fs';

/**
 * Signals sent to `npx roomgate …` (or `npm run` of a script that runs
 * roomgate) must reach roomgate, so it drains, writes its partial report and
 * exits 130.
 *
 * npm runs the command as `npm → sh -c 'roomgate …' → node` and forwards
 * SIGINT/SIGTERM to its child, the shell. Debian's /bin/sh (dash) does not
 * exec the command; while it waits for it, it catches SIGINT and keeps it for
 * itself until the command ends. So `kill -INT <npx pid>` (a CI runner
 * cancelling a job, a harness stopping a run) never reached roomgate: it
 * kept running and npm kept waiting. (A terminal's Ctrl-C is not affected:
 * it goes to the whole process group, roomgate included.)
 *
 * No API tells a process that its parent got a signal, and no library does
 * this, so it is written here, for Linux. The one trace is in /proc: a shell
 * blocked in wait() wakes up only for a signal it catches (SIGINT; SIGTERM
 * kills it instead) or for a child's exit, and roomgate is its only child.
 * Each wake of the parent shell (voluntary_ctxt_switches in
 * /proc/<ppid>/status going up) is relayed to roomgate as a SIGINT; the
 * shell's death (roomgate re-parented) as a SIGTERM. A wake within a second
 * of a signal roomgate got itself is that same signal (a Ctrl-C reaches both)
 * and is not relayed twice. Nothing is relayed when the shell has other
 * children (their exits wake it too).
 */
const POLL_MS = 200;
/** How long after a wake roomgate's own copy of the same signal may still arrive. */
const SAME_SIGNAL_MS = 1000;
const SHELLS = new Set(['sh', 'dash', 'bash', 'ash', 'ksh', 'mksh', 'zsh', 'busybox']);
const SIGINT_BIT = 1n << 1n; // bit (signo - 1) of SigCgt

interface ShellState {
  wakes: number;
  catchesSigint: boolean;
}

function readShell(pid: number): ShellState | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const wakes = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(status);
    const caught = /^SigCgt:\s*([0-9a-f]+)/m.exec(status);
    if (wakes === null || caught === null) return undefined;
    return { wakes: Number(wakes[1]), catchesSigint: (BigInt(`0x${caught[1]}`) & SIGINT_BIT) !== 0n };
  } catch {
    return undefined;
  }
}

/** Other children of the shell besides us (undefined: the kernel does not say). */
function otherChildren(pid: number): boolean | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.some((child) => Number(child) !== process.pid);
  } catch {
    return undefined;
  }
}

function parentIsShell(pid: number): boolean {
  try {
    return SHELLS.has(readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
  } catch {
    return false;
  }
}

/** What the relay watches, while it runs (module state: one relay per process, started by main.ts). */
interface RelayState {
  shell: number;
  wakes: number;
  lastOwnSignal: number;
  /** A wake seen and about to be relayed (the half-second wait). */
  pending: boolean;
  stop(): void;
}
let active: RelayState | undefined;

/**
 * Take a signal npm was sent that has not reached roomgate yet. The relay
 * notices a wake of the shell within a poll and waits half a second (to tell
 * a Ctrl-C, which reaches roomgate by itself, from a signal to npm alone); a
 * run that settles its verdict, or exits, inside that window would say
 * "passed, exit 0" while dash re-raises the SIGINT it kept and npm exits 130.
 * So whoever is about to settle an exit code asks here first, synchronously.
 * The signal returned is the caller's to handle: the relay will not send it.
 */
export function takePendingNpmSignal(): NodeJS.Signals | undefined {
  const state = active;
  if (state === undefined) return undefined;
  if (process.ppid !== state.shell) {
    state.stop();
    return 'SIGTERM';
  }
  const now = readShell(state.shell);
  const woke = state.pending || (now !== undefined && now.wakes !== state.wakes && otherChildren(state.shell) !== true);
  if (!woke || Date.now() - state.lastOwnSignal < SAME_SIGNAL_MS) return undefined;
  if (now !== undefined) state.wakes = now.wakes;
  state.pending = false;
  // Counts as a signal of our own: a relay already scheduled for this wake stands down.
  state.lastOwnSignal = Date.now();
  return 'SIGINT';
}

/** Start relaying when roomgate runs under npm through a shell that would swallow the signal; otherwise do nothing. */
export function startNpmSignalRelay(env: NodeJS.ProcessEnv = process.env): void {
  if (process.platform !== 'linux' || env['npm_lifecycle_event'] === undefined) return;
  const shell = process.ppid;
  if (!parentIsShell(shell)) return;
  const initial = readShell(shell);
  if (initial === undefined || !initial.catchesSigint) return;

  const state: RelayState = { shell, wakes: initial.wakes, lastOwnSignal: -Infinity, pending: false, stop: () => stop() };
  active = state;
  let relaysInFlight = 0;
  const onOwnSignal = (name: NodeJS.Signals) => {
    if (relaysInFlight > 0) relaysInFlight -= 1;
    else state.lastOwnSignal = Date.now();
    // Only listener left: behave as if nobody listened (the default action, die by the signal).
    if (process.listenerCount(name) === 1) {
      stop();
      process.kill(process.pid, name);
    }
  };
  const relay = (name: NodeJS.Signals) => {
    relaysInFlight += 1;
    process.kill(process.pid, name);
  };
  const timer = setInterval(() => {
    if (process.ppid !== shell) {
      // The shell died (npm forwarded a SIGTERM, which it does not catch): we are next.
      stop();
      relay('SIGTERM');
      return;
    }
    const now = readShell(shell);
    if (now === undefined || now.wakes === state.wakes) return;
    state.wakes = now.wakes;
    if (otherChildren(shell) === true) return;
    const wokeAt = Date.now();
    state.pending = true;
    setTimeout(() => {
      state.pending = false;
      if (wokeAt - state.lastOwnSignal < SAME_SIGNAL_MS || Date.now() - state.lastOwnSignal < SAME_SIGNAL_MS) return;
      relay('SIGINT');
    }, SAME_SIGNAL_MS / 2).unref();
  }, POLL_MS);
  timer.unref();
  process.on('SIGINT', onOwnSignal);
  process.on('SIGTERM', onOwnSignal);
  function stop() {
    clearInterval(timer);
    process.off('SIGINT', onOwnSignal);
    process.off('SIGTERM', onOwnSignal);
    active = undefined;
  }
}
