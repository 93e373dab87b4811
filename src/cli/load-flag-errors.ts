import { ConfigError, ConfigErrors, UsageError } from '../errors.js';

/**
 * The load step validates its options under scenario-file paths
 * (`load.rate`), which is right for a YAML file and wrong for `roomgate
 * load --rate 0`: the user never wrote `load.rate`. This names the flag.
 */
const FLAG_OF_PATH: Readonly<Record<string, string>> = {
  'load.mode': '--mode',
  'load.rate': '--rate',
  'load.connections': '--connections',
  'load.duration': '--duration',
  'load.requests': '--requests',
  'load.window': '--window',
  'load.ramp': '--ramp',
  'load.requestTimeout': '--request-timeout',
  'load.lateThreshold': '--late-threshold',
  'load.roomPoolSize': '--room-pool',
  'load.createRetries': '--create-retries',
  'load.mix': '--mix',
  'load.schema_sample_rate': '--schema-sample-rate',
  'load.maxLateFraction': '--max-late',
  'load.slos': '--slo',
};

export function asLoadFlagError(error: unknown): unknown {
  if (error instanceof ConfigErrors) {
    const each = error.errors.map((e) => asLoadFlagError(e) as Error);
    return new UsageError(each.map((e) => e.message).join('; '), { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error });
  }
  if (!(error instanceof ConfigError) || error.path === undefined || error.file !== undefined) return error;
  const path = Object.keys(FLAG_OF_PATH).find((p) => error.path === p || error.path!.startsWith(`${p}.`) || error.path!.startsWith(`${p}[`));
  if (path === undefined) return error;
  return new UsageError(`${FLAG_OF_PATH[path]} ${error.message}`, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error });
}
