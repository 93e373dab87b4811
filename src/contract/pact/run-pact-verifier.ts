import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RUNNING_FROM_SOURCES } from '../../package-assets.js';
import type { Target } from '../../target/target.js';
import type { PactVerifierJob, PactVerifierVerdict } from './pact-verifier-child.js';

export interface PactVerification {
  verdict: PactVerifierVerdict;
  /** What Pact's verifier printed (its report), bounded; evidence for a failure. */
  output: string;
}

const OUTPUT_CAP = 64 * 1024;

/**
 * The child runs from wherever this module runs: the compiled
 * pact-verifier-child.js next to it in dist/ (plain node: the installed
 * package has no tsx), or the .ts source through tsx's loader in tests and
 * the checkout. tsx is resolved from this package (not the cwd), and only
 * then: it is a dev dependency. createRequire rather than
 * import.meta.resolve, which vitest's module runner does not provide.
 */
function childCommand(): string[] {
  if (!RUNNING_FROM_SOURCES) return [fileURLToPath(new URL('./pact-verifier-child.js', import.meta.url))];
  const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  return ['--import', tsxLoader, fileURLToPath(new URL('./pact-verifier-child.ts', import.meta.url))];
}

/**
 * Verify pacts against the target in a child process (see
 * pact-verifier-child.ts for why), killed if the signal aborts.
 */
export function runPactVerifier(
  target: Target,
  job: Omit<PactVerifierJob, 'baseUrl' | 'clientId'>,
  signal: AbortSignal,
): Promise<PactVerification> {
  const fullJob: PactVerifierJob = { ...job, baseUrl: target.baseUrl, clientId: target.credentials.clientId };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childCommand(), {
      env: {
        ...process.env,
        ROOMGATE_PACT_JOB: JSON.stringify(fullJob),
        ROOMGATE_PACT_CLIENT_SECRET: target.credentials.clientSecret,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      signal,
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < OUTPUT_CAP) output += chunk.toString('utf8').slice(0, OUTPUT_CAP - output.length);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let verdictText = '';
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (chunk: string) => (verdictText += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ verdict: JSON.parse(verdictText) as PactVerifierVerdict, output });
      } catch {
        resolve({ verdict: { ok: false, message: `the pact verifier process ended (code ${code}) without a verdict` }, output });
      }
    });
  });
}
