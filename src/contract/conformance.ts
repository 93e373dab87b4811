import type { Evidence } from '../model/evidence.js';
import { envelopeProblems, evidenceOf } from './check.js';
import type { Exchange } from './http/exchange.js';
import { headerValue } from '../spec/header-value.js';
import { isJsonMediaType, type IndexedOperation, type SpecIndex } from '../spec/spec-index.js';

/** Evidence kept per tally: enough to understand a failure, bounded however many responses fail. */
const MAX_EVIDENCE = 3;

export interface Tally {
  observations: number;
  violations: number;
  evidence: Evidence[];
  /** The first violation in words, for the check's message. */
  firstProblem: string | undefined;
}

const newTally = (): Tally => ({ observations: 0, violations: 0, evidence: [], firstProblem: undefined });

/**
 * Watches every exchange of the gate (it is an Exchanger observer) and judges
 * each response against the OpenAPI document as it arrives: status documented
 * for the operation, content type, required headers, body schema; and the
 * envelope rule on every non-2xx, including undeclared routes and methods.
 * It keeps counts and a few pieces of evidence, never the responses, so a
 * 2000-request burst costs no memory.
 */
export class ConformanceLog {
  readonly byOperation = new Map<string, Tally>();
  /** The same judgement per operation and status: the coverage map's response cells. */
  readonly byStatus = new Map<string, Map<number, Tally>>();
  readonly envelope = newTally();
  readonly serverErrors = newTally();
  readonly readable = newTally();

  constructor(private readonly spec: SpecIndex) {}

  readonly observe = (exchange: Exchange): void => {
    const path = new URL(exchange.request.url).pathname;
    const operation = this.spec.find(exchange.request.method, path);

    if (exchange.status === undefined || exchange.failure !== undefined || exchange.invalidUtf8) {
      // A failure's message already names the request (`listRooms: the response body is a decompression bomb…`).
      const problem =
        exchange.failure?.message ?? `${exchange.request.method} ${path}: ${exchange.invalidUtf8 ? 'the body is not valid UTF-8' : 'no response'}`;
      record(this.readable, exchange, problem, 'a complete, UTF-8 response within the deadline');
    } else {
      record(this.readable, exchange, undefined, '');
    }
    if (exchange.status === undefined) return;

    if (exchange.status >= 500) {
      record(this.serverErrors, exchange, `${exchange.request.method} ${path} answered ${exchange.status}`, 'no 5xx for any request the gate sends');
    } else {
      record(this.serverErrors, exchange, undefined, '');
    }

    if (exchange.status < 200 || exchange.status >= 300) {
      const problems = envelopeProblems(exchange);
      record(
        this.envelope,
        exchange,
        problems.length === 0 ? undefined : `${exchange.request.method} ${path} → ${exchange.status}: ${problems.join('; ')}`,
        'every non-2xx body is {error, message, status} with status equal to the HTTP code',
      );
    }

    if (operation !== undefined) {
      const tally = this.tallyFor(operation.operationId);
      const problems = this.responseProblems(operation, exchange);
      record(
        tally,
        exchange,
        problems.length === 0 ? undefined : `${exchange.request.method} ${path} → ${exchange.status}: ${problems.join('; ')}`,
        `the response conforms to ${operation.operationId} in the OpenAPI document`,
      );
      record(
        this.statusTally(operation.operationId, exchange.status),
        exchange,
        problems.length === 0 ? undefined : problems.join('; '),
        `the ${exchange.status} response conforms to ${operation.operationId} in the OpenAPI document`,
      );
    }
  };

  tallyFor(operationId: string): Tally {
    let tally = this.byOperation.get(operationId);
    if (tally === undefined) {
      tally = newTally();
      this.byOperation.set(operationId, tally);
    }
    return tally;
  }

  statusTally(operationId: string, status: number): Tally {
    let byStatus = this.byStatus.get(operationId);
    if (byStatus === undefined) {
      byStatus = new Map();
      this.byStatus.set(operationId, byStatus);
    }
    let tally = byStatus.get(status);
    if (tally === undefined) {
      tally = newTally();
      byStatus.set(status, tally);
    }
    return tally;
  }

  /**
   * A response judged as `operation`'s, for answers the log cannot attribute
   * by method and path (a 405 to a method the path does not declare is every
   * operation of that path's declared 405).
   */
  judge(operation: IndexedOperation, exchange: Exchange): string[] {
    return exchange.status === undefined ? ['no response'] : this.responseProblems(operation, exchange);
  }

  private responseProblems(operation: IndexedOperation, exchange: Exchange): string[] {
    return responseProblems(this.spec, operation, exchange);
  }
}

/**
 * What is wrong with a response as `operation`'s, judged by the document
 * alone: a status it declares, a declared content type, the required headers
 * (their values parsed to their declared types), a body valid against the
 * declared schema. Empty when the response is as documented. The error bodies
 * of an API whose profile says `errors: spec` are judged by exactly this.
 */
export function responseProblems(spec: SpecIndex, operation: IndexedOperation, exchange: Exchange): string[] {
  if (exchange.status === undefined) return ['no response'];
  const status = exchange.status;
  const documented = spec.responseFor(operation, status);
  if (documented === undefined) return [`status ${status} is not documented for ${operation.operationId}`];
  const problems: string[] = [];
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    const value = exchange.headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required === true) problems.push(`required header ${name} is missing`);
      continue;
    }
    if (header.schema !== undefined) {
      for (const p of spec.validate(header.schema, headerValue(value, header.schema))) problems.push(`header ${name} ${p.replace(/^body /, '')}`);
    }
  }
  const content = documented.content;
  if (content !== undefined && Object.keys(content).length > 0) {
    const contentType = exchange.headers['content-type'];
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
    const match = Object.entries(content).find(([type]) => type.toLowerCase() === mediaType);
    if (match === undefined) {
      problems.push(`content-type ${contentType ?? '(none)'} is not one of ${Object.keys(content).join(', ')}`);
    } else if (isJsonMediaType(match[0])) {
      if (!exchange.isJson) problems.push('the body is not JSON');
      else if (match[1].schema !== undefined) problems.push(...spec.validate(match[1].schema, exchange.json));
    } else if (match[1].schema !== undefined && !exchange.invalidUtf8) {
      // A declared text body (LiveKit's plain-text 401) is judged as the string it is.
      problems.push(...spec.validate(match[1].schema, exchange.bodyText));
    }
  }
  return problems;
}

function record(tally: Tally, exchange: Exchange, problem: string | undefined, expected: string): void {
  tally.observations += 1;
  if (problem === undefined) return;
  tally.violations += 1;
  tally.firstProblem ??= problem;
  if (tally.evidence.length < MAX_EVIDENCE) tally.evidence.push(evidenceOf(exchange, expected, problem));
}
