/**
 * Operation names for counting, matching the harness's metric keys (route
 * template, never a raw id).
 */
export const OPERATION_NAMES = [
  'issue_token',
  'create_room',
  'get_room',
  'list_rooms',
  'delete_room',
  'create_join_token',
  'create_webhook',
  'list_webhooks',
  'delete_webhook',
  'other',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

const BY_ROUTE: ReadonlyMap<string, OperationName> = new Map([
  ['POST /v1/auth/token', 'issue_token'],
  ['POST /v1/rooms', 'create_room'],
  ['GET /v1/rooms', 'list_rooms'],
  ['GET /v1/rooms/:room_id', 'get_room'],
  ['DELETE /v1/rooms/:room_id', 'delete_room'],
  ['POST /v1/rooms/:room_id/join-tokens', 'create_join_token'],
  ['POST /v1/webhooks', 'create_webhook'],
  ['GET /v1/webhooks', 'list_webhooks'],
  ['DELETE /v1/webhooks/:webhook_id', 'delete_webhook'],
]);

export function operationOf(method: string, routeUrl: string | undefined): OperationName {
  if (routeUrl === undefined) return 'other';
  return BY_ROUTE.get(`${method} ${routeUrl}`) ?? 'other';
}

/**
 * The operation of a route, resolved when it registers: a constant for a
 * single-method route, a per-method table for a multi-method one.
 */
export function operationLookup(methods: string | string[], routeUrl: string): (method: string) => OperationName {
  if (!Array.isArray(methods)) {
    const operation = operationOf(methods.toUpperCase(), routeUrl);
    return () => operation;
  }
  const byMethod = new Map(methods.map((method) => [method.toUpperCase(), operationOf(method.toUpperCase(), routeUrl)]));
  return (method) => byMethod.get(method) ?? 'other';
}
