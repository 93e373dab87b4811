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
import { RATE_LIMIT_CHECKS, runRateLimitChecks } from './checks/rate-limit-checks.js';
import { runRoutingChecks } from './checks/routing-checks.js';
import { probeStatelessness, withStatelessHint } from './checks/stateless-probe.js';
import { gateFacts, makeCheck, type ResolvedContractOptions } from './gate-context.js';
import type { Exchanger } from './http/exchange.js';
import { openGate } from './open-gate.js';
import { CONTRACT_DEFAULTS, CONTRACT_GROUPS, type ContractStepOptions } from './options.js';
import { SpecIndex } from '../spec/spec-index.js';
import { profileOf } from '../target/target.js';
import { profileWithSpec } from '../profile/spec-profile.js';
import type { TargetProfile } from '../profile/types.js';
import { closeGateRooms, reportRoomsLeftOpen } from './gate-cleanup.js';
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
    ...(options.spec === undefined ? {} : { spec: options.spec }),
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

/** A step running the gate over `resolved`: the profile and its document load in setup (a bad spec is exit 2 before anything runs). */
function gateStep(name: string, kind: 'contract' | 'webhooks', resolved: ResolvedContractOptions): Step {
  let documents: GateDocuments | undefined;
  return {
    name,
    kind,
    async setup(ctx: StepContext) {
      documents = await gateDocuments(ctx.target, resolved.spec);
    },
    async run(ctx: StepContext): Promise<StepResult> {
      documents ??= await gateDocuments(ctx.target, resolved.spec);
      return runContractGate(ctx, resolved, name, kind, documents);
    },
  };
}

/** The profile the gate follows and the OpenAPI document it judges by (the profile's own, or `spec` with the profile resolved against it). */
export interface GateDocuments {
  profile: TargetProfile;
  spec: SpecIndex;
}

export async function gateDocuments(target: Target, spec?: string): Promise<GateDocuments> {
  const base = await profileOf(target);
  const profile = spec === undefined ? base : await profileWithSpec(base, spec);
  return { profile, spec: new SpecIndex(profile.spec.document) };
}

export async function runContractGate(
  ctx: StepContext,
  options: ResolvedContractOptions,
  stepName: string,
  kind: 'contract' | 'webhooks' = 'contract',
  documents?: GateDocuments,
): Promise<ContractStepResult | WebhooksStepResult> {
  const started = new Date();
  const { profile, spec } = documents ?? (await gateDocuments(ctx.target, options.spec));
  const facts = gateFacts(spec, profile, options);
  const checks: CheckResult[] = [];
  let statelessEvidence: string | undefined;
  const check = makeCheck((raw) => {
    const result = withStatelessHint(raw, statelessEvidence);
    checks.push(result);
    ctx.emit({ type: 'check', at: Date.now(), step: stepName, result });
  }, facts);

  const { gate, identity, conformance, rateLimitHeaders } = openGate(ctx, { profile, spec }, options, check);
  const http = gate.http;
  const wants = (group: string) => options.groups.includes(group);
  const recorder = new CoverageRecorder(conformance);
  let coverage: ContractCoverage | undefined;

  try {
    await assertReachable(http, ctx.target, profile);
    // Obtain the first token now, so the expired-token check has aged it by the end.
    await identity.authorize(ctx.signal).catch(() => undefined);

    if (wants('routing')) await runRoutingChecks(gate);
    if (wants('lifecycle') || wants('idempotency')) statelessEvidence = await probeStatelessness(gate);
    if (wants('lifecycle')) {
      await runLifecycleChecks(gate);
      await runStatefulChecks(gate);
    }
    if (wants('auth')) await runAuthChecks(gate);
    // The deterministic coverage phase runs before the seeded cases: every rule once, whatever the seed.
    const fixtures = wants('coverage') ? await createCoverageFixtures(gate) : undefined;
    if (fixtures !== undefined) await runInputCoverageChecks(gate, recorder, fixtures);
    if (wants('generated')) await runGeneratedChecks(gate);
    if (wants('idempotency')) await runIdempotencyChecks(gate);
    if (wants('webhooks')) await runWebhookChecks(gate, options.webhooks);
    if (wants('identity')) await runIdentityChecks(gate);
    if (fixtures !== undefined) {
      await runDeclaredResponseChecks(gate, recorder, fixtures);
      await fixtures.release();
    }
    await closeGateRooms(gate);
    if (wants('auth')) await runExpiredTokenCheck(gate, identity.first);
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
    // Leave the target as found: close what the gate opened, then say which of the run's rooms are still open.
    await closeGateRooms(gate).catch(() => undefined);
    if (!ctx.signal.aborted) {
      const leftOpen = await reportRoomsLeftOpen(gate).catch(() => undefined);
      if (leftOpen !== undefined) ctx.emit({ type: 'log', at: Date.now(), step: stepName, level: 'warn', message: leftOpen });
    }
    await identity.close();
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
    summary: { seed: options.seed, spec: profile.spec.path, requests: conformance.readable.observations },
    ...(coverage === undefined ? {} : { coverage }),
    artifacts: [],
  };
}

/**
 * Nothing was measured if the target cannot be connected to at all: exit 3,
 * not a list of failures. The probe asks for the list operation's path when it
 * is a GET without parameters (a request the API knows), else the root; any
 * HTTP answer proves the target responds.
 */
async function assertReachable(http: Exchanger, target: Target, profile: TargetProfile): Promise<void> {
  const list = profile.rooms.list?.resolved;
  const path = list !== undefined && list.method === 'GET' && list.pathParams.length === 0 ? list.pathTemplate : '/';
  const probe = await http.send({ method: 'GET', path, auth: false });
  if (probe.failure?.kind === 'connection' && probe.status === undefined) {
    throw new TargetUnreachableError(`cannot reach ${target.baseUrl}: ${probe.failure.message}`, {
      hint: 'check --target (or ROOMGATE_TARGET) and that the server is running; omit --target to use the embedded reference server',
    });
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
