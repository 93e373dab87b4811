import { channel } from 'node:diagnostics_channel';

/**
 * Every credential roomgate obtains or mints while it runs (an access token
 * from a token endpoint, a JWT it signs, a Basic encoding) is announced here
 * the moment it exists, so the run's redactor (cli/run-and-report.ts) knows
 * it before any event, evidence or report line can carry it: a target that
 * echoes its requests back would otherwise publish live tokens.
 *
 * A diagnostics channel rather than a callback threaded through every client:
 * token caches live deep inside steps, checks and profile clients, and
 * nothing may be forgotten on the way (one missed constructor argument is
 * one leaked token). Publishing with no subscriber costs nothing, and the
 * subscriber is whoever writes output: one per process (a CLI run), or the
 * Pact verifier child, which hands its tokens to the parent.
 */
const issued = channel('roomgate:issued-secret');

/** Tell the run's redactor about a credential roomgate just obtained or minted. */
export function announceIssuedSecret(secret: string): void {
  if (secret !== '' && issued.hasSubscribers) issued.publish(secret);
}

/** Receive every credential announced from now on; returns the unsubscribe. */
export function onIssuedSecret(listener: (secret: string) => void): () => void {
  const handler = (message: unknown) => {
    if (typeof message === 'string') listener(message);
  };
  issued.subscribe(handler);
  return () => issued.unsubscribe(handler);
}
