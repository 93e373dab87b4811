/**
 * A process that owns a network lab, for tests of what happens when its run
 * ends badly: it builds a one-cohort lab, prints the lab's namespaces as one
 * JSON line and waits. SIGINT runs the teardown (as the runner's teardown
 * stack does) and exits 130; SIGKILL leaves the lab for
 * removeStaleNetworkLabs(). Run with `node --import tsx`.
 */
import { createNetworkLab, detectNetworkCapabilities, planNetworkLab } from '../../src/network/index.js';

const plan = planNetworkLab([{ name: 'orphan', network: { down: '1mbit', loss: '1%' } }], { capabilities: await detectNetworkCapabilities() });
const lab = await createNetworkLab(plan);
process.once('SIGINT', () => {
  void lab.teardown().then(
    () => process.exit(130),
    () => process.exit(1),
  );
});
console.log(JSON.stringify({ namespaces: [plan.hub.namespace, ...plan.cohorts.map((c) => c.namespace)] }));
// Stay alive until signalled (bounded: a forgotten child ends itself).
setTimeout(() => process.exit(2), 120_000);
