import type { PactV3 } from '@pact-foundation/pact';

/**
 * Waits until Pact's mock server has *recorded* every request it already answered.
 *
 * Why: pact-core's Rust mock server answers a request before its event loop records the
 * match (an async channel, pact-foundation/pact-core-mock-server#13, fix unreleased for the
 * Node 20 line of @pact-foundation/pact). On a loaded CI host `executeTest` can then read
 * the match list before the last request lands in it and report "expected but not received"
 * for a request the client demonstrably got a matching answer to (pact-js#1835).
 *
 * This polls the mock server's own verdict until it holds or `budgetMs` passes. It never
 * turns a real mismatch into a pass: when the budget runs out it simply returns, and
 * `executeTest` reports whatever the mock server has recorded, as before.
 */
export async function awaitRecordedMatches(pact: PactV3, port: number, budgetMs = 10_000): Promise<void> {
  // `pact` is PactV3's private ConsumerPact handle; pact-js exposes no public way to ask.
  const core = (pact as unknown as { pact: { mockServerMatchedSuccessfully(port: number): boolean } }).pact;
  const deadline = Date.now() + budgetMs;
  while (!core.mockServerMatchedSuccessfully(port) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
