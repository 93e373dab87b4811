/**
 * Where a process spent its CPU, from a V8 .cpuprofile (node --cpu-prof):
 * self time by function and by package (node_modules/<name>, node:internal,
 * roomgate's own src/, GC, idle), and the longest runs of CPU without a
 * break (what stalls the event loop), each with the code it spent them in. Written here because the profile format is
 * a plain sample list and the summary we need (per package) is a dozen lines;
 * Chrome DevTools opens the same file for the full picture.
 *
 *   npx tsx bench/cpu-profile-top.ts prof/CPU.*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, 'stall-ms': { type: 'string', default: '50' }, stalls: { type: 'string', default: '8' } },
});
if (positionals.length === 0) throw new Error('usage: npx tsx bench/cpu-profile-top.ts FILE.cpuprofile...');

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const wallUs = profile.endTime - profile.startTime;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = packageOf(url, functionName);
    byPackage.set(where, (byPackage.get(where) ?? 0) + us);
    const key = `${functionName || '(anonymous)'}  ${shortUrl(url)}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busyUs = [...byPackage].filter(([k]) => k !== '(idle)').reduce((sum, [, us]) => sum + us, 0);
  console.log(
    `${file}: ${(wallUs / 1e6).toFixed(1)} s profiled, ${(busyUs / 1e6).toFixed(2)} s on CPU (${((busyUs / wallUs) * 100).toFixed(1)} % of one core)`,
  );
  console.log('  by package (self time):');
  for (const [k, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`    ${(us / 1000).toFixed(0).padStart(8)} ms  ${k}`);
  // Long tasks: consecutive samples that are not idle. The event loop cannot run a timer or read a socket
  // during one, so these are the stalls the overload monitor sees (GC inside a task counts towards it).
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const frameOf = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    return `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
  };
  // The outermost JavaScript frame under (root): which callback the task was.
  const taskOf = (id: number) => {
    let cursor = id;
    let below = id;
    while (parentOf.has(cursor) && byId.get(parentOf.get(cursor)!)!.callFrame.functionName !== '(root)') {
      below = cursor;
      cursor = parentOf.get(cursor)!;
    }
    return frameOf(parentOf.has(cursor) ? cursor : below);
  };
  const stalls: { us: number; atUs: number; leaves: Map<string, number>; tasks: Map<string, number> }[] = [];
  let clockUs = 0;
  let run: (typeof stalls)[number] | undefined;
  profile.samples.forEach((id, i) => {
    const name = byId.get(id)!.callFrame.functionName;
    clockUs += profile.timeDeltas[i] ?? 0;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (name === '(idle)') {
      if (run !== undefined && run.us >= Number(values['stall-ms']) * 1000) stalls.push(run);
      run = undefined;
      return;
    }
    run ??= { us: 0, atUs: clockUs, leaves: new Map(), tasks: new Map() };
    run.us += dt;
    const leaf = frameOf(id);
    run.leaves.set(leaf, (run.leaves.get(leaf) ?? 0) + dt);
    const task = taskOf(id);
    run.tasks.set(task, (run.tasks.get(task) ?? 0) + dt);
  });
  const stallTotal = stalls.reduce((sum, r) => sum + r.us, 0);
  console.log(`  ${stalls.length} runs of CPU without idle >= ${values['stall-ms']} ms (${(stallTotal / 1000).toFixed(0)} ms in all); the longest:`);
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `${(us / 1000).toFixed(0)} ms ${k}`)
      .join('; ');
  for (const r of [...stalls].sort((a, b) => b.us - a.us).slice(0, Number(values.stalls))) {
    console.log(`    ${(r.us / 1000).toFixed(0).padStart(6)} ms at ${(r.atUs / 1e6).toFixed(1)} s  tasks: ${top(r.tasks, 3)}`);
    console.log(`            leaves: ${top(r.leaves, 4)}`);
  }
  console.log(`  top ${values.top} functions (self time, idle excluded):`);
  for (const [k, us] of [...byFunction]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(values.top))) {
    console.log(`    ${(us / 1000).toFixed(0).padStart(8)} ms  ${k}`);
  }
}

function packageOf(url: string, functionName: string): string {
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') return functionName;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  if (url.includes('/src/'))
    return `roomgate ${url
      .slice(url.indexOf('/src/') + 1)
      .split('/')
      .slice(0, 2)
      .join('/')}`;
  return url === '' ? '(native)' : url;
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const s = url.indexOf('/src/');
  return s >= 0 ? url.slice(s + 1) : url;
}
