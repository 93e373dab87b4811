/**
 * Incidents: timed faults a run puts on its own traffic (the fault proxy) or
 * on the user's system (their own command), a schedule that starts and ends
 * them on the run's clock, and the recovery time they leave behind. The runner
 * runs a scenario's incidents as a step (src/runner/incident-step.ts). This folder imports
 * nothing from cli/, runner/, contract/, load/ or browser/ (a unit test holds it to that).
 */
export { startFaultProxy, DEFAULT_HOLD_CAP_MS, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
export { describeProxyMode, isShare, PROXY_MODE_TYPES, DEFAULT_ERROR_STATUS, type ProxyMode, type ProxyModeType } from './proxy-mode.js';
export type { ProxyEvent, ProxyDisturbance, ProxiedRequest, ReleaseOutcome, ProxyEventListener } from './proxy-events.js';
export {
  runCommand,
  commandSucceeded,
  describeCommand,
  IncidentCommandStartError,
  type CommandLine,
  type CommandOutcome,
  type CommandRun,
  type RunCommandOptions,
} from './incident-command.js';
export {
  parseIncidentPlan,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type Incident,
  type ProxyIncident,
  type CommandIncident,
  type IncidentPlan,
  type ParseIncidentsOptions,
} from './incident-plan.js';
export { IncidentController, describeIncident, commandRecord, type IncidentControllerOptions } from './incident-controller.js';
export type { IncidentEvent, IncidentEndReason, IncidentRecord, CommandRecord, IncidentEventListener } from './incident-events.js';
export { recoveryTime, meetsSlos, combineRecoveries, type SloWindow, type RecoveryTime } from './recovery-time.js';
export { INCIDENT_METRICS, judgeRecovery } from './incident-metrics.js';
export { DisturbanceWindows, DISTURBED_IDS_PER_WINDOW, type DisturbanceWindow } from './disturbance-windows.js';
