/**
 * Runs another bench script in this process and prints every event-loop stall
 * longer than --stall-ms (default 150) with the CPU this process used during it
 * and its context switches. It tells a harness that is busy (CPU ≈ stall) from
 * one the kernel kept off the CPU (CPU ≈ 0, involuntary switches): the second
 * is how the autogroup problem in docs/architecture.md was found.
 *
 *   node --import tsx bench/event-loop-stalls.ts bench/browser.ts --start 8 --max 8 --busy-cores 1
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, ...rest] = process.argv.slice(2);
if (script === undefined) throw new Error('usage: node --import tsx bench/event-loop-stalls.ts SCRIPT [ARGS...]');
const stallIndex = rest.indexOf('--stall-ms');
const stallMs = stallIndex >= 0 ? Number(rest.splice(stallIndex, 2)[1]) : 150;
// The wrapped script parses process.argv as if it had been run directly.
process.argv = [process.argv[0]!, resolve(script), ...rest];
const t0 = performance.now();
let last = performance.now();
let lastCpu = process.cpuUsage();
let lastRes = process.resourceUsage();
setInterval(() => {
  const now = performance.now();
  const gap = now - last;
  const cpu = process.cpuUsage(lastCpu);
  const res = process.resourceUsage();
  if (gap > stallMs) {
    console.log(
      `stall ${gap.toFixed(0)} ms at ${((now - t0) / 1000).toFixed(1)} s: cpu user ${(cpu.user / 1000).toFixed(0)} sys ${(cpu.system / 1000).toFixed(0)} ms, vol ctx ${res.voluntaryContextSwitches - lastRes.voluntaryContextSwitches}, invol ${res.involuntaryContextSwitches - lastRes.involuntaryContextSwitches}, majflt ${res.majorPageFault - lastRes.majorPageFault}`,
    );
  }
  last = now;
  lastCpu = process.cpuUsage();
  lastRes = res;
}, 20).unref();
await import(pathToFileURL(resolve(script)).href);
