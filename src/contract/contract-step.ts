import { TargetUnreachableError } from '../errors.js';
import type { CheckResult, ContractStepResult, StepResult, WebhooksStepResult } from '../model/result.js';
import type { Step, StepContext } from '../model/step.js';
import type { Target } from '../target/target.js';
import { runAuthChecks, runExpiredTokenCheck } from './checks/auth-checks.js';
import { runEnvelopeCheck, runSchemaChecks } from './checks/conformance-checks.js';
import { runGeneratedChecks } from './checks/generated-checks.js';
import { runIdempotencyChecks } from './checks/idempotency-checks.js';
import { runIdentityChecks } from './checks/identity-checks.js';
import { runLifecycleChecks } from './checks/lifecycle-checks.js';
import { RATE_LIMIT_CHECKS, RateLimitHeaderLog, runRateLimitChecks } from './checks/rate-limit-checks.js';
import { runRoutingChecks } from './checks/routing-checks.js';
import { probeStatelessness, withStatelessHint } from './checks/stateless-probe.js';
import { tokenRequestBody } from './checks/request-fixtures.js';
import { operationFor } from '../spec/spec-facts.js';
import { ConformanceLog } from './conformance.js';
import { createRoomVia, gateFacts, makeCheck, type GateContext, type ResolvedContractOptions } from './gate-context.js';
import { Exchanger } from './http/exchange.js';
import { CONTRACT_DEFAULTS, CONTRACT_GROUPS, type ContractStepOptions } from './options.js';
import { loadSpec } from '../spec/load-spec.js';
import { SpecIndex } from '../spec/spec-index.js';
import { TokenSource } from './token-source.js';
import { requiredHeadersFor } from '../spec/required-headers.js';
import { runWebhookChecks } from './webhooks/webhook-checks.js';
import { runStatefulChecks } from './checks/stateful-checks.js';
import { createCoverageFixtures } from './coverage/coverage-fixtures.js';
import { runCoverageMinimum } from './coverage/coverage-minimum.js';
import { CoverageRecorder } from './coverage/coverage-recorder.js';
import { provokeRateLimited, runDeclaredResponseChecks } from './coverage/declared-response-checks.js';
import { runInputCoverageChecks } from './coverage/input-coverage-checks.js';
import type { ContractCoverage } from '../model/coverage.js';
import type { WebhooksStepOptions } from './options.js';

export function resolveContractOptions(options: ContractStepOptions): ResolvedContractOptions {
  return {
    spec: options.spec ?? CONTRACT_DEFAULTS.spec,
    seed: options.seed ?? CONTRACT_DEFAULTS.seed,
    casesPerOperation: options.casesPerOperation ?? CONTRACT_DEFAULTS.casesPerOperation,
    requestTimeoutMs: options.requestTimeoutMs ?? CONTRACT_DEFAULTS.requestTimeoutMs,
    maxBodyBytes: options.maxBodyBytes ?? CONTRACT_DEFAULTS.maxBodyBytes,
    rateLimitBudget: options.rateLimitBudget ?? CONTRACT_DEFAULTS.rateLimitBudget,
    concurrentDuplicates: options.concurrentDuplicates ?? CONTRACT_DEFAULTS.concurrentDuplicates,
    expiredTokenMaxWaitSeconds: options.expiredTokenMaxWaitSeconds ?? CONTRACT_DEFAULTS.expiredTokenMaxWaitSeconds,
    groups: options.groups ?? CONTRACT_GROUPS,
    ...(options.secondClient === undefined ? {} : { secondClient: options.secondClient }),
    ...(options.expiredToken === undefined ? {} : { expiredToken: options.expiredToken }),
    ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }),
    ...(options.minCoverage === undefined ? {} : { minCoverage: options.minCoverage }),
  };
}

/**
 * The contract gate as a runner step: OpenAPI conformance of every response,
 * the envelope rule, routing, lifecycle, auth, generated cases, idempotency
 * and rate limits. Emits one `check` event per check as it completes.
 * A spec that is missing or invalid throws ConfigError (exit 2) from setup; a
 * target that cannot be connected to throws TargetUnreachableError (exit 3).
 */
export function createContractStep(options: ContractStepOptions = {}, name = 'contract'): Step {
  return gateStep(name, 'contract', resolveContractOptions(options));
}

/**
 * The webhook checks as their own step (kind `webhooks`), so a suite can run
 * them apart from the contract gate; the responses it sees are still judged
 * against the document (schema and envelope groups).
 */
export function createWebhooksStep(options: WebhooksStepOptions = {}, name = 'webhooks'): Step {
  const resolved = resolveContractOptions({
    ...(options.spec === undefined ? {} : { spec: options.spec }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    groups: ['webhooks', 'schema', 'envelope'],
    webhooks: options,
  });
  return gateStep(name, 'webhooks', resolved);
}

/** A step running the gate over `resolved`: the document loads in setup (a bad spec is exit 2 before anything runs). */
function gateStep(name: string, kind: 'contract' | 'webhooks', resolved: ResolvedContractOptions): Step {
  let spec: SpecIndex | undefined;
  return {
    name,
    kind,
    async setup() {
      spec = new SpecIndex(await loadSpec(resolved.spec));
    },
    async run(ctx: StepContext): Promise<StepResult> {
      spec ??= new SpecIndex(await loadSpec(resolved.spec));
      return runContractGate(ctx, spec, resolved, name, kind);
    },
  };
}

export async function runContractGate(
  ctx: StepContext,
  spec: SpecIndex,
  options: ResolvedContractOptions,
  stepName: string,
  kind: 'contract' | 'webhooks' = 'contract',
): Promise<ContractStepResult | WebhooksStepResult> {
  const started = new Date();
  const checks: CheckResult[] = [];
  let statelessEvidence: string | undefined;
  const check = makeCheck((raw) => {
    const result = withStatelessHint(raw, statelessEvidence);
    checks.push(result);
    ctx.emit({ type: 'check', at: Date.now(), step: stepName, result });
  }, gateFacts(spec, options));

  let tokenSource: TokenSource | undefined;
  const http = new Exchanger({
    baseUrl: ctx.target.baseUrl,
    token: (signal) => (tokenSource as TokenSource).get(signal),
    timeoutMs: options.requestTimeoutMs,
    defaultHeaders: requiredHeadersFor(spec),
    maxBodyBytes: options.maxBodyBytes,
  });
  const issueToken = (credentials = ctx.target.credentials) =>
    http.send({
      method: 'POST',
      path: '/v1/auth/token',
      auth: false,
      body: tokenRequestBody(credentials),
      signal: ctx.signal,
    });
  tokenSource = new TokenSource(issueToken, ctx.target.credentials);
  const conformance = new ConformanceLog(spec);
  const rateLimitHeaders = new RateLimitHeaderLog();
  http.observe(conformance.observe);
  http.observe(rateLimitHeaders.observe);

  const runId = Date.now().toString(36);
  let counter = 0;
  const createdRooms = new Set<string>();
  const gate: GateContext = {
    target: ctx.target,
    http,
    spec,
    options,
    signal: ctx.signal,
    createdRooms,
    uniqueName: (label) => `roomgate-${label}-${runId}-${(counter += 1)}`,
    issueToken,
    createRoom: createRoomVia(http, createdRooms),
    check,
  };
  const wants = (group: string) => options.groups.includes(group);
  const recorder = new CoverageRecorder(conformance);
  let coverage: ContractCoverage | undefined;

  try {
    await assertReachable(http, ctx.target);
    // Issue the first token now, so the expired-token check has aged it by the end.
    await tokenSource.get(ctx.signal).catch(() => undefined);

    if (wants('routing')) await runRoutingChecks(gate);
    if ((wants('lifecycle') || wants('idempotency')) && operationFor(spec, 'createRoom') !== undefined && operationFor(spec, 'getRoom') !== undefined) {
      statelessEvidence = await probeStatelessness(gate);
    }
    if (wants('lifecycle')) {
      await runLifecycleChecks(gate);
      await runStatefulChecks(gate);
    }
    if (wants('auth')) await runAuthChecks(gate);
    // The deterministic coverage phase runs before the seeded cases: every rule once, whatever the seed.
    const fixtures = wants('coverage') ? await createCoverageFixtures(gate) : undefined;
    if (fixtures !== undefined) await runInputCoverageChecks(gate, recorder, fixtures.values);
    if (wants('generated')) await runGeneratedChecks(gate);
    if (wants('idempotency')) await runIdempotencyChecks(gate);
    if (wants('webhooks')) await runWebhookChecks(gate, options.webhooks);
    if (wants('identity')) await runIdentityChecks(gate);
    if (fixtures !== undefined) {
      await runDeclaredResponseChecks(gate, recorder, fixtures);
      await fixtures.release();
    }
    await deleteRooms(gate);
    if (wants('auth')) await runExpiredTokenCheck(gate, tokenSource.first);
    if (wants('rate-limit')) await runRateLimitChecks(gate, rateLimitHeaders);
    // Right after the burst the client's quota is spent: every operation declaring 429 should now answer it.
    if (fixtures !== undefined && checks.some((c) => c.name === RATE_LIMIT_CHECKS.burstReaches429.id && c.status === 'passed')) {
      await provokeRateLimited(gate, recorder, fixtures);
    }

    if (wants('schema')) await runSchemaChecks(gate, conformance);
    if (wants('envelope')) await runEnvelopeCheck(gate, conformance);
    if (wants('coverage')) {
      const map = recorder.build(spec, options.minCoverage);
      coverage = map;
      if (options.minCoverage !== undefined) await runCoverageMinimum(gate, map, options.minCoverage);
    }
  } catch (error) {
    // Work the interrupt cut short may throw its reason from anywhere; the checks so far are the partial result.
    if (!ctx.signal.aborted) throw error;
  } finally {
    await http.close();
  }

  const finished = new Date();
  // An interrupted gate is no verdict: checks cut short (a webhook that "never arrived"
  // because the wait was aborted) would read as the target's failures. Exit 130, not 1.
  const interrupted = ctx.signal.aborted;
  const status = gateStatus(checks, interrupted);
  const failedNames = checks.filter((c) => c.status === 'failed' || c.status === 'errored').map((c) => c.name);
  const reason = interrupted
    ? `interrupted after ${checks.length} check(s); the results cover the part that ran and are no verdict`
    : `${failedNames.length} check(s) did not pass: ${failedNames.slice(0, 5).join(', ')}${failedNames.length > 5 ? ', …' : ''}`;
  // The runner announces the step's end; the step only hands back its result.
  return {
    name: stepName,
    kind,
    status,
    ...(status === 'passed' ? {} : { reason }),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    checks,
    slos: [],
    summary: { seed: options.seed, spec: options.spec, requests: conformance.readable.observations },
    ...(coverage === undefined ? {} : { coverage }),
    artifacts: [],
  };
}

/** Nothing was measured if the target cannot be connected to at all: exit 3, not a list of failures. */
async function assertReachable(http: Exchanger, target: Target): Promise<void> {
  const probe = await http.send({ method: 'GET', path: '/v1/rooms', auth: false });
  if (probe.failure?.kind === 'connection' && probe.status === undefined) {
    throw new TargetUnreachableError(`cannot reach ${target.baseUrl}: ${probe.failure.message}`, {
      hint: 'check --target (or ROOMGATE_TARGET) and that the server is running; omit --target to use the embedded reference server',
    });
  }
}

/** Leave the target as found (and spend no more of the quota the burst needs). */
async function deleteRooms(ctx: GateContext): Promise<void> {
  const ids = [...ctx.createdRooms];
  ctx.createdRooms.clear();
  for (let i = 0; i < ids.length; i += 8) {
    await Promise.all(
      ids.slice(i, i + 8).map((id) => ctx.http.send({ method: 'DELETE', path: `/v1/rooms/${encodeURIComponent(id)}` }).catch(() => undefined)),
    );
  }
}

/**
 * One verdict over a gate's checks: interrupted is no verdict (checks cut short are no
 * evidence against the target), then failed, then errored. The pact step judges its
 * checks by it too.
 */
export function gateStatus(checks: readonly { status: string }[], interrupted: boolean): 'interrupted' | 'failed' | 'errored' | 'passed' {
  if (interrupted) return 'interrupted';
  if (checks.some((c) => c.status === 'failed')) return 'failed';
  if (checks.some((c) => c.status === 'errored')) return 'errored';
  return 'passed';
}
