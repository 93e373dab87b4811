/**
 * roomgate's public API: what a program may import from `roomgate` instead of
 * running the CLI. An explicit list: anything not named here is internal and
 * may change. Nothing exported here prints or exits (only src/cli does).
 *
 * A run, programmatically:
 *   loadRunConfig(files) → buildStep(stepConfig, {}) per step → runPlan(scenarios, options)
 *   → buildRunReport(...) → writeRunReports(runDir, report)
 * (src/cli/run-and-report.ts, which every command's run goes through, is exactly that plus console output and exit codes.)
 */

// ---- the embedded reference server (VideoConnect v1) ----
export { createReferenceServer } from './reference/server.js';
export type { ReferenceServer, ReferenceServerOptions, ReferenceServerStats, RateLimitPolicy } from './reference/server-types.js';
export { FAULT_NAMES, isFaultName, type FaultName } from './reference/faults.js';

// ---- the target and its typed client ----
export { VideoConnectClient, ApiError } from './target/client.js';
export type { ClientOptions, RequestOptions, CreatedRoom } from './target/client.js';
export { resolveTarget } from './runner/resolve-target.js';
export type { TargetFlags, ResolvedTarget } from './runner/resolve-target.js';
export type { Target, Credentials } from './target/target.js';
export type { Room, RoomPage, RoomStatus, CreateRoomInput, ListRoomsQuery, ErrorEnvelope, WebhookEvent, WebhookEventType } from './target/api-types.js';

// ---- steps ----
// Target profiles: how roomgate talks to any room API (docs/profiles.md).
export { loadProfile, loadBuiltinProfile, createProfileClient, ProfileClient, RoomApi, draftProfile } from './profile/index.js';
export type { TargetProfile, Authenticator } from './profile/index.js';

export { createContractStep, createPactStep, createWebhooksStep } from './contract/index.js';
export type { ContractStepOptions, PactStepOptions, WebhooksStepOptions } from './contract/index.js';
export { createLoadStep } from './load/index.js';
export type { LoadStepOptions, LoadSummary, OperationSummary } from './load/index.js';
export { createBrowserStep, buildBrowserStep, defineAdapter, resolveAdapter, janusVideoRoomAdapter, REFERENCE_ADAPTER } from './browser/index.js';
export type {
  BrowserStepSummary,
  ParticipantSummary,
  PageAdapter,
  ParticipantInfo,
  AdapterCallContext,
  RoomRequest,
  AdapterRoom,
  AdapterModuleExport,
  AdapterInput,
  Adapter,
} from './browser/index.js';

// ---- metrics and SLOs ----
export { MetricsRegistry, decodeHistogram, encodeHistogram, summarize } from './metrics/index.js';
export type { SerializedMetrics, SerializedSeries, SerializedWindow, LatencySummary, Outcome } from './metrics/index.js';
export { parseSlos, parseSlo, evaluateSlos, evaluateSlo } from './slo/index.js';
export type { Slo, SloInput, MetricCatalog } from './slo/index.js';

// ---- running suites ----
export { loadRunConfig } from './config/load-config.js';
export type { RunConfig, ScenarioConfig, StepConfig, GatePolicy } from './config/types.js';
export { buildStep } from './runner/step-catalog.js';
export { runPlan, DeadlineExceeded } from './runner/run-plan.js';
export type { ScenarioTask, RunPlanOptions, RunOutcome, Gate } from './runner/run-plan.js';
export { openScenarioTarget } from './runner/scenario-target.js';
export { createEventBus, type EventBus } from './runner/event-bus.js';
// Live metrics: hand `liveMetrics.publish` to runPlan (publishMetrics) and subscribe `liveMetrics.sink` to the bus.
export { LiveMetrics, type LiveMetricsOptions, type MetricsSnapshot } from './exporters/live-metrics.js';
export { PrometheusEndpoint, type PrometheusEndpointOptions, type SnapshotSource } from './exporters/prometheus-endpoint.js';
export { OtlpPush, type OtlpPushOptions } from './exporters/otlp-push.js';
export { EXPORTED, prometheusName, type ExportedMetric } from './exporters/exported-metrics.js';

// ---- reports ----
export { buildRunReport, readReportJson, writeReportJson, REPORT_SCHEMA_VERSION } from './report/report-json.js';
export type { RunReport, RunMeta, TargetDescription } from './report/report-json.js';
export { writeRunReports, REPORT_FILES } from './report/write-reports.js';
export { compareReports, type Delta } from './report/compare.js';
export { createRedactor, type Redactor } from './report/redact.js';

// ---- results, events, steps ----
export { worstStatus, exitCodeFor, stepMetrics, stepCoverage } from './model/result.js';
export type {
  StepResult,
  StepResultOf,
  StepStatus,
  StepKind,
  CheckResult,
  CheckPassed,
  CheckFailed,
  CheckErrored,
  CheckSkipped,
  SloVerdict,
  Artifact,
} from './model/result.js';
export type { ContractStepResult, WebhooksStepResult, PactStepResult, LoadStepResult, BrowserStepResult } from './model/result.js';
export type { GateSummary, PactSummary } from './model/gate-summary.js';
export type { RunEvent, EventSink, StepProgress, WindowSummary } from './model/events.js';
export type { Evidence, RecordedRequest, RecordedResponse } from './model/evidence.js';
export type { Step, StepContext, LiveMetricsSource } from './model/step.js';

// ---- errors ----
export { RoomgateError, UsageError, ConfigError, TargetUnreachableError, InvalidRunError, InterruptedError, ExitCode, isInterruption } from './errors.js';
