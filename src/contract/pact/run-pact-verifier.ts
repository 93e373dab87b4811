import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, TargetUnreachableError } from '../../errors.js';
import { startBoundedRelay, type RelayedAnswer, type RelayedFailure } from '../../http/bounded-relay.js';
import { announceIssuedSecret } from '../../issued-secrets.js';
import { RUNNING_FROM_SOURCES } from '../../package-assets.js';
import type { Target } from '../../target/target.js';
import type { PactChildReport, PactVerifierJob, PactVerifierVerdict } from './pact-verifier-child.js';
import { BROKER_ENV, verifierOptionsFor } from './verifier-options.js';

export interface PactVerification {
  verdict: PactVerifierVerdict;
  /** What Pact's verifier printed (its report), bounded; evidence for a failure. */
  output: string;
  /** Answers the relay replaced because the target broke a bound (a cap, a bomb, a drip, a reset), in order. */
  relayFailures: readonly RelayedFailure[];
}

const OUTPUT_CAP = 64 * 1024;
/** One request and its answer through the relay get at most this long (less when the verification's own timeout is shorter). */
const EXCHANGE_TIMEOUT_MS = 10_000;
/** The verifier child gets its timeout twice over (setup, provider states, every interaction), then it is stopped. */
const CHILD_DEADLINE_FACTOR = 2;

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
 * pact-verifier-child.ts for why), killed if the signal aborts or its
 * deadline passes.
 *
 * Pact's verifier is an HTTP client roomgate does not control: its Rust core
 * reads and inflates whole bodies, and waits as long as a target keeps a
 * response open. So it never talks to the target itself: every request goes
 * through a bounded relay (http/bounded-relay.ts) on loopback, which caps
 * each body (bounded decompression), gives each exchange a deadline and
 * answers a broken bound with a 502/504 the verification then fails on. What
 * the relay replaced is returned by name. Each room the verification creates
 * (the relay sees every answer) is told to `onRoomCreated` as it happens, so
 * the caller can close it even when the verification is interrupted.
 */
export async function runPactVerifier(
  target: Target,
  job: Omit<PactVerifierJob, 'baseUrl' | 'clientId'>,
  signal: AbortSignal,
  onRoomCreated: (roomId: string) => void = () => undefined,
): Promise<PactVerification> {
  // Map the options first: a usage error (publish without a version, bad URL) is exit 2 before a relay or a process starts.
  verifierOptionsFor(job.source, { provider: job.provider, providerBaseUrl: target.baseUrl, timeoutMs: job.timeoutMs }, process.env);
  const relay = await startBoundedRelay({
    target: target.baseUrl,
    requestTimeoutMs: Math.min(job.timeoutMs, EXCHANGE_TIMEOUT_MS),
    signal,
    onAnswer: (answer) => {
      const room = roomCreatedBy(answer);
      if (room !== undefined) onRoomCreated(room);
    },
  });
  try {
    const fullJob: PactVerifierJob = { ...job, baseUrl: relay.url, clientId: target.credentials.clientId };
    const { verdict, output } = await runChild(fullJob, target.credentials.clientSecret, signal, job.timeoutMs * CHILD_DEADLINE_FACTOR);
    return { verdict, output, relayFailures: relay.failures() };
  } finally {
    await relay.close();
  }
}

function runChild(
  job: PactVerifierJob,
  clientSecret: string,
  signal: AbortSignal,
  deadlineMs: number,
): Promise<{ verdict: PactVerifierVerdict; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childCommand(), {
      env: {
        ...process.env,
        ROOMGATE_PACT_JOB: JSON.stringify(job),
        ROOMGATE_PACT_CLIENT_SECRET: clientSecret,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      signal,
    });
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < OUTPUT_CAP) output += chunk.toString('utf8').slice(0, OUTPUT_CAP - output.length);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let reportText = '';
    const reportPipe = (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    reportPipe.on('data', (chunk: string) => (reportText += chunk));
    // The verdict is all the child is for: once its pipe closes, end the child
    // here, so a handle Pact's native verifier (or a keep-alive socket) leaves
    // open cannot keep it running, and the child itself never has to exit (only cli/ exits).
    reportPipe.on('end', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
    child.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(deadline);
      let report: PactChildReport | undefined;
      try {
        report = JSON.parse(reportText) as PactChildReport;
      } catch {
        report = undefined;
      }
      // Tokens the child obtained are the run's secrets too (its output, now evidence, may hold them).
      for (const token of report?.issued ?? []) announceIssuedSecret(token);
      if (timedOut) {
        resolve({
          verdict: {
            ok: false,
            message: `the pact verification did not finish within ${Math.round(deadlineMs / 1000)} s and was stopped (the target kept it waiting)`,
          },
          output,
        });
      } else if (report !== undefined) {
        resolve({ verdict: report.verdict, output });
      } else {
        resolve({ verdict: { ok: false, message: `the pact verifier process ended (code ${code}) without a verdict` }, output });
      }
    });
  });
}

/** The id of a room a relayed answer created: a 2xx to a POST on a rooms collection, with a `room_id` (VideoConnect's create, as the pact has it). */
export function roomCreatedBy(answer: RelayedAnswer): string | undefined {
  if (answer.method !== 'POST' || answer.status < 200 || answer.status >= 300) return undefined;
  if (!/\/rooms\/?$/.test(answer.path.split('?')[0] ?? '')) return undefined;
  try {
    const body = JSON.parse(answer.body.toString('utf8')) as { room_id?: unknown };
    return typeof body.room_id === 'string' && body.room_id !== '' ? body.room_id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Probe a pact broker before verifying, so an unreachable broker or refused
 * credentials are one clear error instead of a Rust trace inside a failed
 * check: GET the broker's index (a HAL document every Pact Broker and PactFlow
 * serves at its root) with the configured credentials. Unreachable is an
 * invalid run (exit 3: nothing was verified); 401/403 is a configuration
 * error (exit 2) naming the environment variable to set.
 */
export async function probeBroker(
  brokerUrl: string,
  timeoutMs: number,
  signal: AbortSignal,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
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
    const why =
      (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
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
    throw new ConfigError(`the pact broker at ${brokerUrl} answered ${response.status} to GET of its index`, {
      hint: "check --pact-broker-url is the broker's base URL",
    });
  }
}
