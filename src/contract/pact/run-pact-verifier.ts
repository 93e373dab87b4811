import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, TargetUnreachableError } from '../../errors.js';
import { RUNNING_FROM_SOURCES } from '../../package-assets.js';
import type { Target } from '../../target/target.js';
import type { PactVerifierJob, PactVerifierVerdict } from './pact-verifier-child.js';
import { BROKER_ENV, verifierOptionsFor } from './verifier-options.js';

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
  // Map the options here too: a usage error (publish without a version, bad URL) is exit 2 before a process starts.
  verifierOptionsFor(fullJob.source, { provider: job.provider, providerBaseUrl: target.baseUrl, timeoutMs: job.timeoutMs }, process.env);
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
    const verdictPipe = (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    verdictPipe.on('data', (chunk: string) => (verdictText += chunk));
    // The verdict is all the child is for: once its pipe closes, end the child
    // here, so a handle Pact's native verifier (or a keep-alive socket) leaves
    // open cannot keep it running, and the child itself never has to exit (only cli/ exits).
    verdictPipe.on('end', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
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

/**
 * Probe a pact broker before verifying, so an unreachable broker or refused
 * credentials are one clear error instead of a Rust trace inside a failed
 * check: GET the broker's index (a HAL document every Pact Broker and PactFlow
 * serves at its root) with the configured credentials. Unreachable is an
 * invalid run (exit 3: nothing was verified); 401/403 is a configuration
 * error (exit 2) naming the environment variable to set.
 */
export async function probeBroker(brokerUrl: string, timeoutMs: number, signal: AbortSignal, env: Record<string, string | undefined> = process.env): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/hal+json, application/json' };
  const token = env[BROKER_ENV.token];
  const username = env[BROKER_ENV.username];
  if (token !== undefined && token !== '') headers['authorization'] = `Bearer ${token}`;
  else if (username !== undefined && username !== '') {
    headers['authorization'] = `Basic ${Buffer.from(`${username}:${env[BROKER_ENV.password] ?? ''}`).toString('base64')}`;
  }
  let response: Response;
  try {
    response = await fetch(brokerUrl, { headers, redirect: 'follow', signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new TargetUnreachableError(`cannot reach the pact broker at ${brokerUrl}: ${why}`, {
      hint: 'check --pact-broker-url and that the broker is up; without --pact-broker-url the pact files in contracts/pacts are verified',
    });
  }
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) {
    throw new ConfigError(`the pact broker at ${brokerUrl} refused the credentials (${response.status})`, {
      hint: `set ${BROKER_ENV.token} (or ${BROKER_ENV.username} and ${BROKER_ENV.password}) in the environment`,
    });
  }
  if (response.status >= 400) {
    throw new ConfigError(`the pact broker at ${brokerUrl} answered ${response.status} to GET of its index`, { hint: 'check --pact-broker-url is the broker\'s base URL' });
  }
}
