/**
 * A report fragment as roomgate reads one from disk: an older version's
 * report.json, a foreign or hand-trimmed one. The result model types what this
 * version writes; the report page, `compare` and the exporters must also cope
 * with less (a load summary without `totals`, a browser summary without
 * `setup_time`), so fixtures of such reports go through JSON as the real ones
 * do (readReportJson).
 */
export function fromReportJson<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
