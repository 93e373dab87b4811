/** Request schemas of the room routes; the same bounds as the OpenAPI document. */

export const createRoomSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    max_participants: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
    is_private: { type: 'boolean', default: false },
    recording: { type: 'boolean', default: false },
  },
} as const;

/**
 * createRoomSchema under the `recording-type-coerced` fault: `recording` of any
 * JSON type (the route stores Boolean(value)); every other rule is the same.
 */
export const createRoomSchemaAnyRecording = {
  ...createRoomSchema,
  properties: { ...createRoomSchema.properties, recording: { default: false } },
} as const;

/**
 * A create schema under the `read-only-status-writable` fault: `status` (a
 * readOnly property of the Room) is accepted too; every other rule is the same.
 */
export function withWritableStatus<S extends { properties: object }>(schema: S): S {
  return { ...schema, properties: { ...schema.properties, status: { type: 'string', enum: ['waiting', 'active', 'closed'] } } };
}

/** The longest cursor the contract accepts (`cursor` maxLength). */
export const MAX_CURSOR_LENGTH = 64;

export const listRoomsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    cursor: { type: 'string', minLength: 1, maxLength: MAX_CURSOR_LENGTH },
    status: { type: 'string', enum: ['waiting', 'active', 'closed'] },
  },
} as const;

/**
 * listRoomsQuerySchema under the `list-cursor-unchecked` fault: `cursor`
 * without its maxLength (the route answers the first page for an over-long
 * one); every other rule is the same.
 */
export const listRoomsQuerySchemaUnboundedCursor = {
  ...listRoomsQuerySchema,
  properties: { ...listRoomsQuerySchema.properties, cursor: { type: 'string', minLength: 1 } },
} as const;

export const roomParamsSchema = {
  type: 'object',
  required: ['room_id'],
  properties: { room_id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const createJoinTokenSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    participant_name: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;

export interface CreateRoomBody {
  name: string;
  max_participants: number;
  is_private: boolean;
  recording: boolean;
  /** Only under the `read-only-status-writable` fault; the schema refuses it otherwise. */
  status?: 'waiting' | 'active' | 'closed';
}

export interface ListRoomsQuery {
  limit: number;
  cursor?: string;
  status?: 'waiting' | 'active' | 'closed';
}

/**
 * The Room as fastify's response schema: it makes fastify serialize rooms with
 * fast-json-stringify (compiled per schema) instead of JSON.stringify, on the
 * hottest path of load runs.
 */
export const roomResponseSchema = {
  type: 'object',
  required: ['room_id', 'name', 'status', 'max_participants', 'is_private', 'recording', 'join_url', 'participant_count', 'duration_seconds', 'created_at'],
  properties: {
    room_id: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
    max_participants: { type: 'integer' },
    is_private: { type: 'boolean' },
    recording: { type: 'boolean' },
    join_url: { type: 'string' },
    participant_count: { type: 'integer' },
    duration_seconds: { type: 'integer' },
    created_at: { type: 'string' },
  },
} as const;
