import type { ReferenceServerStats } from '../server-types.js';
import { OPERATION_NAMES, type OperationName } from './operations.js';

/** Request counts per operation and response counts per status code. */
export class ServerStats {
  private readonly requests: Record<OperationName, number>;
  private readonly responses = new Map<number, number>();

  constructor() {
    this.requests = Object.fromEntries(OPERATION_NAMES.map((name) => [name, 0])) as Record<OperationName, number>;
  }

  countRequest(operation: OperationName): void {
    this.requests[operation] += 1;
  }

  countResponse(status: number): void {
    this.responses.set(status, (this.responses.get(status) ?? 0) + 1);
  }

  snapshot(rooms: number): ReferenceServerStats {
    const responsesByStatus: Record<string, number> = {};
    for (const [status, count] of [...this.responses].sort((a, b) => a[0] - b[0])) responsesByStatus[String(status)] = count;
    return { requests: { ...this.requests }, responsesByStatus, rooms };
  }
}
