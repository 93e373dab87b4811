import { loadSpec } from '../spec/load-spec.js';
import { SpecIndex } from '../spec/spec-index.js';
import type { JsonSchema } from '../spec/openapi-types.js';
import type { LoadOperation } from './options.js';

/** The OpenAPI operation behind each workload operation. */
const OPERATION_IDS: Record<LoadOperation, string> = {
  create_room: 'createRoom',
  get_room: 'getRoom',
  list_rooms: 'listRooms',
  delete_room: 'deleteRoom',
};

/**
 * Contract under load: validates a sample of responses against the OpenAPI
 * response schema for their operation and status. Reuses the contract gate's
 * spec loader and index (ajv 2020-12, compiled once per schema), so load and
 * contract steps judge responses by the same rules.
 */
export class SchemaSampler {
  private counter = 0;
  private readonly every: number;

  private constructor(
    private readonly index: SpecIndex,
    sampleRate: number,
  ) {
    // Deterministic "every n-th response" rather than Math.random: the same run samples the same responses.
    this.every = sampleRate <= 0 ? Number.POSITIVE_INFINITY : Math.max(1, Math.round(1 / sampleRate));
  }

  static async load(specPath: string, sampleRate: number): Promise<SchemaSampler> {
    const index = new SpecIndex(await loadSpec(specPath));
    // Compile every validator now: an ajv compile takes tens of ms, and doing it on
    // the first sampled response would stall the event loop in the timed path.
    for (const operationId of Object.values(OPERATION_IDS)) {
      const op = index.byId(operationId);
      for (const response of Object.values(op?.operation.responses ?? {})) {
        const schema = jsonSchemaOf(response.content);
        if (schema !== undefined) index.compile(schema);
      }
    }
    return new SchemaSampler(index, sampleRate);
  }

  /** Called once per request at send time: whether this one's response is validated. */
  shouldSample(): boolean {
    this.counter += 1;
    return this.counter % this.every === 0;
  }

  /** Schema violations of one sampled response (empty when it conforms). */
  validate(operation: string, status: number, body: Buffer | string): string[] {
    const op = this.index.byId(OPERATION_IDS[operation as LoadOperation] ?? '');
    if (op === undefined) return [`the OpenAPI document has no operation ${operation}`];
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
