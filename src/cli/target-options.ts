import type { Argv } from 'yargs';

/**
 * The flags every command that talks to a target shares. Each can also come
 * from the environment (ROOMGATE_TARGET, ROOMGATE_CLIENT_ID,
 * ROOMGATE_CLIENT_SECRET) through yargs' `.env('ROOMGATE')`.
 */
export function withTargetOptions<T>(y: Argv<T>) {
  return y
    .option('target', {
      type: 'string',
      describe: 'API base URL (under which /v1 lives); omit to use the embedded reference server',
    })
    .option('client-id', { type: 'string', describe: 'client id for POST /v1/auth/token' })
    .option('client-secret', { type: 'string', describe: 'client secret (never printed or reported)' });
}
