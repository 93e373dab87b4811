/**
 * Runs Pact's provider verification in its own process. Pact's Rust core
 * prints its verification report straight to file descriptor 1, which no
 * Node-level hook can redirect; in-process it would interleave with
 * roomgate's own output and break `--json`. The parent (run-pact-verifier.ts)
 * captures this process's stdout as evidence and reads the verdict from fd 3.
 *
 * Input: a JSON `PactVerifierJob` in ROOMGATE_PACT_JOB; the client secret in
 * ROOMGATE_PACT_CLIENT_SECRET and broker credentials in PACT_BROKER_* (the
 * environment, so they never show in `ps`). `baseUrl` is the parent's
 * bounded relay, never the target itself (run-pact-verifier.ts).
 *
 * Output (fd 3): the verdict, and every token this process obtained, which
 * the parent adds to the run's redactor before the verifier's report (its
 * stdout) becomes evidence.
 */
import { createWriteStream } from 'node:fs';
import { Verifier } from '@pact-foundation/pact';
import { onIssuedSecret } from '../../issued-secrets.js';
import { VideoConnectClient } from '../../target/client.js';
import { withTargetCredentials, type FilterableRequest } from './credential-filter.js';
import { verifierOptionsFor, type PactSource } from './verifier-options.js';

export interface PactVerifierJob {
  provider: string;
  baseUrl: string;
  clientId: string;
  source: PactSource;
  timeoutMs: number;
}

export type PactVerifierVerdict = { ok: true } | { ok: false; message: string };

/** What the child hands its parent on fd 3. */
export interface PactChildReport {
  verdict: PactVerifierVerdict;
  /** Tokens obtained here (the provider-state client's, the request filter's): secrets of the run. */
  issued: string[];
}

const verdictPipe = createWriteStream('', { fd: 3 });
const issued: string[] = [];
onIssuedSecret((secret) => issued.push(secret));

/** Closing the pipe hands the verdict over; the parent ends this process once it has it (run-pact-verifier.ts). */
function finish(verdict: PactVerifierVerdict): void {
  const report: PactChildReport = { verdict, issued };
  verdictPipe.end(JSON.stringify(report));
}

const job = JSON.parse(process.env['ROOMGATE_PACT_JOB'] ?? '{}') as PactVerifierJob;
const credentials = { clientId: job.clientId, clientSecret: process.env['ROOMGATE_PACT_CLIENT_SECRET'] ?? '' };
const client = new VideoConnectClient({ baseUrl: job.baseUrl, credentials });

try {
  await new Verifier({
    ...verifierOptionsFor(job.source, { provider: job.provider, providerBaseUrl: job.baseUrl, timeoutMs: job.timeoutMs }, process.env),
    stateHandlers: {
      // Provider states through the public API itself, so it works on any target without backdoors. The room
      // is created through the parent's relay, which notes it; the parent closes it once verification is over.
      'a room exists': async () => {
        const { room } = await client.createRoom({ name: 'pact-provider-state' });
        return { room_id: room.room_id };
      },
    },
    // The pact holds placeholder credentials and a placeholder token: swap in
    // the target's own (see credential-filter.ts). express types are not a
    // dependency of ours; the filter only touches method, path, headers, body.
    requestFilter: ((req: FilterableRequest, _res: unknown, next: (error?: unknown) => void) => {
      void withTargetCredentials(req, credentials, (signal) => client.accessToken(signal)).then(
        () => next(),
        (error: unknown) => next(error),
      );
    }) as never,
  }).verifyProvider();
  finish({ ok: true });
} catch (error) {
  finish({ ok: false, message: (error as Error).message });
}
