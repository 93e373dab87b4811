import { ConfigError, UsageError } from '../../errors.js';
import type { AuthConfig } from '../types.js';
import type { Credentials } from './authenticator.js';

/**
 * Where the credential pair comes from. A profile that names environment
 * variables (`credentials: { id: LIVEKIT_API_KEY, secret: LIVEKIT_API_SECRET }`)
 * reads them, and they must be set: the profile said so. A profile that names
 * none takes the run's own pair (--client-id / --client-secret, or
 * ROOMGATE_CLIENT_ID / ROOMGATE_CLIENT_SECRET).
 */
export function resolveCredentials(
  auth: AuthConfig,
  given: { clientId?: string | undefined; clientSecret?: string | undefined },
  env: Record<string, string | undefined> = process.env,
  profileFile?: string,
): Credentials {
  const where = { ...(profileFile === undefined ? {} : { file: profileFile }) };
  const fromEnv = (name: string, key: 'id' | 'secret'): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ConfigError(`auth.credentials.${key} names the environment variable ${name}, which is not set`, {
        ...where,
        path: `auth.credentials.${key}`,
        hint: `export ${name}=… before running (the profile holds only the variable's name)`,
      });
    }
    return value;
  };
  const { idVar, secretVar } = auth.credentials;
  const secret = secretVar !== undefined ? fromEnv(secretVar, 'secret') : given.clientSecret;
  if (secret === undefined || secret === '') {
    throw new UsageError(`auth kind ${auth.kind} needs a secret and none was given`, {
      hint: 'pass --client-secret (or set ROOMGATE_CLIENT_SECRET), or name an environment variable in the profile: auth.credentials.secret',
    });
  }
  const id = idVar !== undefined ? fromEnv(idVar, 'id') : given.clientId === '' ? undefined : given.clientId;
  if (id === undefined && (auth.kind === 'basic' || auth.kind === 'client-credentials')) {
    throw new UsageError(`auth kind ${auth.kind} needs an id (client id, account or key id) and none was given`, {
      hint: 'pass --client-id (or set ROOMGATE_CLIENT_ID), or name an environment variable in the profile: auth.credentials.id',
    });
  }
  return { id, secret };
}
