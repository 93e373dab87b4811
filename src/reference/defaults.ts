import type { Credentials } from '../target/target.js';

/**
 * The documented client credentials of the reference server, for local use
 * only. `roomgate serve --client-id/--client-secret` (or the ROOMGATE_CLIENT_*
 * environment) replaces them.
 */
export const LOCAL_CREDENTIALS: Readonly<Credentials> = Object.freeze({
  clientId: 'roomgate-local',
  clientSecret: 'roomgate-local-secret',
});

export const DEFAULT_SERVE_PORT = 4010;
export const DEFAULT_SERVE_HOST = '127.0.0.1';
