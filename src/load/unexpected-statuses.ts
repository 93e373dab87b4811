import type { OperationSummary } from '../model/load-summary.js';

/** Statuses named in a reason; the rest are in report.json's `unexpectedStatuses`. */
const MAX_NAMED = 3;

/**
 * What the target answered instead of what its profile promises, for a
 * failure reason: `the target answered 404 on CreateRoom (6 of 6 responses)
 * and ListRooms (24 of 24)`. A soak of 404s fails on its error rate, and the
 * figure alone ("error_rate 100%") does not say that the path, the base URL
 * or the profile is wrong: the status and the operation do. undefined when no
 * response was an error.
 */
export function unexpectedStatusesClause(operations: Readonly<Record<string, OperationSummary>>): string | undefined {
  const rows: { op: string; status: string; count: number; responses: number }[] = [];
  for (const [op, summary] of Object.entries(operations)) {
    for (const [status, count] of Object.entries(summary.unexpectedStatuses ?? {})) rows.push({ op, status, count, responses: summary.responses });
  }
  if (rows.length === 0) return undefined;
  rows.sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
  const byStatus = new Map<string, typeof rows>();
  for (const row of rows.slice(0, MAX_NAMED)) byStatus.set(row.status, [...(byStatus.get(row.status) ?? []), row]);
  let first = true;
  const parts = [...byStatus].map(([status, ops]) => {
    const listed = ops.map((row) => {
      const share = `${row.count} of ${row.responses}${first ? ' responses' : ''}`;
      first = false;
      return `${row.op} (${share})`;
    });
    return `${status} on ${listed.length === 1 ? listed[0] : `${listed.slice(0, -1).join(', ')} and ${listed[listed.length - 1]}`}`;
  });
  return `the target answered ${parts.join('; ')}`;
}

/** Shards' per-operation `unexpectedStatuses` summed into the merged figures (a merge re-derives everything else from histograms). */
export function addUnexpectedStatuses(into: Record<string, OperationSummary>, shards: readonly Readonly<Record<string, OperationSummary>>[]): void {
  for (const operations of shards) {
    for (const [op, summary] of Object.entries(operations)) {
      const target = into[op];
      if (target === undefined || summary.unexpectedStatuses === undefined) continue;
      const sum = { ...target.unexpectedStatuses };
      for (const [status, count] of Object.entries(summary.unexpectedStatuses)) sum[status] = (sum[status] ?? 0) + count;
      target.unexpectedStatuses = sum;
    }
  }
}
