/**
 * Runs Pact's provider verification in its own process. Pact's Rust core
 * prints its verification report straight to file descriptor 1, which no
 * Node-level hook can redirect; in-process it would interleave with
 * roomgate's own output and break `--json`. The parent (run-pact-verifier.ts)
 * captures this process's stdout as evidence and reads the verdict from fd 3.
 *
 * Input: a JSON `PactVerifierJob` in ROOMGATE_PACT_JOB; the client secret in
 * ROOMGATE_PACT_CLIENT_SECRET (environment, so it never shows in `ps`).
 */
import { createWriteStream } from 'node:fs';
import { Verifier } from '@pact-foundation/pact';
import { VideoConnectClient } from '../../target/client.js';

export interface PactVerifierJob {
  provider: string;
  baseUrl: string;
  clientId: string;
  pactUrls: string[];
  timeoutMs: number;
}

export type PactVerifierVerdict = { ok: true } | { ok: false; message: string };

const verdictPipe = createWriteStream('', { fd: 3 });

function finish(verdict: PactVerifierVerdict): void {
  verdictPipe.end(JSON.stringify(verdict), () => process.exit(0));
}

const job = JSON.parse(process.env['ROOMGATE_PACT_JOB'] ?? '{}') as PactVerifierJob;
const client = new VideoConnectClient({
  baseUrl: job.baseUrl,
  credentials: { clientId: job.clientId, clientSecret: process.env['ROOMGATE_PACT_CLIENT_SECRET'] ?? '' },
});

try {
  await new Verifier({
    provider: job.provider,
    providerBaseUrl: job.baseUrl,
    pactUrls: job.pactUrls,
    logLevel: 'error',
    timeout: job.timeoutMs,
    stateHandlers: {
      // Provider states through the public API itself, so it works on any target without backdoors.
      'a room exists': async () => {
        const { room } = await client.createRoom({ name: 'pact-provider-state' });
        return { room_id: room.room_id };
      },
    },
    // express types are not a dependency of ours; the filter only touches headers and next().
    requestFilter: ((req: { headers: Record<string, string | string[] | undefined> }, _res: unknown, next: (error?: unknown) => void) => {
      void client.accessToken().then(
        (token) => {
          if (req.headers['authorization'] !== undefined) req.headers['authorization'] = `Bearer ${token}`;
          next();
        },
        (error: unknown) => next(error),
      );
    }) as never,
  }).verifyProvider();
  finish({ ok: true });
} catch (error) {
  finish({ ok: false, message: (error as Error).message });
}
