const t0 = performance.now();
let last = performance.now();
let lastCpu = process.cpuUsage();
let lastRes = process.resourceUsage();
setInterval(() => {
  const now = performance.now();
  const gap = now - last;
  const cpu = process.cpuUsage(lastCpu);
  const res = process.resourceUsage();
  if (gap > 150) {
    console.log(`stall ${gap.toFixed(0)} ms at ${((now - t0) / 1000).toFixed(1)} s: cpu user ${(cpu.user / 1000).toFixed(0)} sys ${(cpu.system / 1000).toFixed(0)} ms, vol ctx ${res.voluntaryContextSwitches - lastRes.voluntaryContextSwitches}, invol ${res.involuntaryContextSwitches - lastRes.involuntaryContextSwitches}, majflt ${res.majorPageFault - lastRes.majorPageFault}`);
  }
  last = now; lastCpu = process.cpuUsage(); lastRes = res;
}, 20).unref();
await import('./browser.ts');
