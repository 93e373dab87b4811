import type { TargetProfile } from '../profile/types.js';
import type { OpenApiDocument } from '../spec/openapi-types.js';
import { SpecIndex, type IndexedOperation } from '../spec/spec-index.js';
import type { JsonSchema } from '../spec/openapi-types.js';
import type { LoadOperations, LoadRole } from './load-operations.js';

/**
 * Contract under load: validates a sample of responses against the OpenAPI
 * response schema of the operation that plays their role in the target
 * profile, for their status. Reuses the contract gate's spec index (ajv
 * 2020-12, compiled once per schema), so load and contract steps judge
 * responses by the same rules.
 */
export class SchemaSampler {
  private counter = 0;
  private readonly every: number;

  private constructor(
    private readonly index: SpecIndex,
    private readonly byRole: ReadonlyMap<LoadRole, IndexedOperation | string>,
    sampleRate: number,
  ) {
    // Deterministic "every n-th response" rather than Math.random: the same run samples the same responses.
    this.every = sampleRate <= 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.round(1 / sampleRate));
  }

  /**
   * A sampler over `document` (the profile's own, or one `spec:` names) for
   * the roles of `operations`, found by operationId, else by method and path.
   */
  static create(document: OpenApiDocument, profile: TargetProfile, operations: LoadOperations, sampleRate: number): SchemaSampler {
    const index = new SpecIndex(document);
    const byRole = new Map<LoadRole, IndexedOperation | string>();
    for (const op of operations.all) {
      const where = profile.rooms[op.role]?.resolved;
      const found =
        index.byId(op.operationId) ??
        (where === undefined ? undefined : index.operations.find((o) => o.method.toUpperCase() === where.method && o.template === where.pathTemplate));
      byRole.set(op.role, found ?? `the OpenAPI document has no operation ${op.operationId}`);
      // Compile every validator now: an ajv compile takes tens of ms, and doing it on
      // the first sampled response would stall the event loop in the timed path.
      if (found !== undefined) {
        for (const response of Object.values(found.operation.responses ?? {})) {
          const schema = jsonSchemaOf(response.content);
          if (schema !== undefined) index.compile(schema);
        }
      }
    }
    return new SchemaSampler(index, byRole, sampleRate);
  }

  /** Called once per request at send time: whether this one's response is validated. */
  shouldSample(): boolean {
    this.counter += 1;
    return this.counter % this.every === 0;
  }

  /** Schema violations of one sampled response (empty when it conforms). */
  validate(role: LoadRole, status: number, body: Buffer | string): string[] {
    const op = this.byRole.get(role);
    if (op === undefined) return [`the target profile maps no ${role} operation`];
    if (typeof op === 'string') return [op];
    const response = this.index.responseFor(op, status);
    if (response === undefined) return [`status ${status} is not documented for ${op.operationId}`];
    const schema = jsonSchemaOf(response.content);
    if (schema === undefined) return [];
    let value: unknown;
    try {
      value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
    } catch {
      return ['the body is not JSON'];
    }
    return this.index.validate(schema, value);
  }
}

function jsonSchemaOf(content: Record<string, { schema?: JsonSchema }> | undefined): JsonSchema | undefined {
  if (content === undefined) return undefined;
  const entry = Object.entries(content).find(([type]) => type === 'application/json' || type.endsWith('+json'));
  return entry?.[1].schema;
}
