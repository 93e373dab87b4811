import { describe, expect, it } from 'vitest';
import { loadVerdict } from '../../src/load/load-verdict.js';
import { addUnexpectedStatuses, unexpectedStatusesClause } from '../../src/load/unexpected-statuses.js';
import type { OperationSummary } from '../../src/model/load-summary.js';
import type { SloVerdict } from '../../src/slo/types.js';

const latency = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
function op(responses: number, unexpectedStatuses?: Record<string, number>): OperationSummary {
  return {
    attempts: responses,
    requests: responses,
    responses,
    errors: 0,
    byOutcome: {},
    latency,
    ...(unexpectedStatuses === undefined ? {} : { unexpectedStatuses }),
  } as OperationSummary;
}
const failed = (metric: string, expression: string): SloVerdict =>
  ({ expression, metric, threshold: 0.001, unit: 'ratio', status: 'failed', observed: 1 }) as SloVerdict;
const totals = { attempts: 30, requests: 30, responses: 30 };

describe('what the target answered, in a failed load verdict', () => {
  it('names the status and the operations, most frequent first', () => {
    expect(unexpectedStatusesClause({ CreateRoom: op(6, { '404': 6 }), ListRooms: op(24, { '404': 24 }), GetRoom: op(5) })).toBe(
      'the target answered 404 on ListRooms (24 of 24 responses) and CreateRoom (6 of 6)',
    );
    expect(unexpectedStatusesClause({ GetRoom: op(10, { '404': 3, '500': 1 }) })).toBe(
      'the target answered 404 on GetRoom (3 of 10 responses); 500 on GetRoom (1 of 10)',
    );
    expect(unexpectedStatusesClause({ GetRoom: op(10) })).toBeUndefined();
  });

  it('adds it to the reason when an error threshold fails, not when only a latency threshold does', () => {
    const operations = { CreateRoom: op(6, { '404': 6 }) };
    expect(loadVerdict({ interrupted: false, totals, maxLateFraction: 1, verdicts: [failed('error_rate', 'error_rate < 0.1%')], operations }).reason).toMatch(
      /error_rate < 0\.1% \(observed 100%\) — the target answered 404 on CreateRoom \(6 of 6 responses\)$/,
    );
    expect(
      loadVerdict({ interrupted: false, totals, maxLateFraction: 1, verdicts: [failed('latency', 'CreateRoom.p99 < 1s')], operations }).reason,
    ).not.toMatch(/answered/);
  });

  it("sums the shards' statuses into a merged run's figures", () => {
    const merged = { CreateRoom: op(12), GetRoom: op(20) };
    addUnexpectedStatuses(merged, [{ CreateRoom: op(6, { '404': 6 }) }, { CreateRoom: op(6, { '404': 5, '409': 1 }), GetRoom: op(20) }]);
    expect(merged.CreateRoom.unexpectedStatuses).toEqual({ '404': 11, '409': 1 });
    expect(merged.GetRoom.unexpectedStatuses).toBeUndefined();
  });
});
