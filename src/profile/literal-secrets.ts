import { ConfigError } from '../errors.js';
import { formatPath, lineOf, type YamlSource } from '../config/yaml-source.js';

/**
 * Secrets never live in a profile: a profile is committed next to the API's
 * OpenAPI document, and roomgate redacts only what it knows is secret. So a
 * key that looks like it holds a secret (`secret:`, `apiKey:`,
 * `client_secret:` in the token fields, …) is a config error that says how
 * to move the value into the environment, and a `credentials` entry must be
 * the NAME of an environment variable. This pass runs before schema
 * validation and removes what it reports from the data the schema sees, so
 * no message (ajv's "got …" included) ever repeats the secret.
 */

/** Keys that hold a secret when their value is a string. */
const SECRET_KEY =
  /^(client[_-]?secret|secret|api[_-]?secret|api[_-]?key|apikey|password|passwd|access[_-]?token|auth[_-]?token|bearer|token|private[_-]?key|key)$/i;
/** An environment variable name, as roomgate asks for them (upper case, so a pasted key does not pass for one). */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

type Json = unknown;
type Path = (string | number)[];

export function takeLiteralSecrets(source: YamlSource, data: Json): { problems: ConfigError[]; sanitized: Json } {
  const problems: ConfigError[] = [];
  if (!isRecord(data)) return { problems, sanitized: data };
  const sanitized = structuredClone(data) as Record<string, unknown>;
  const at = (path: Path, key?: string) => ({ file: source.file, line: lineOf(source, path, key === undefined ? {} : { key }), path: formatPath(path) });

  const auth = sanitized['auth'];
  if (isRecord(auth)) {
    scanAuth(auth, problems, at);
    const credentials = auth['credentials'];
    if (isRecord(credentials)) for (const which of ['id', 'secret'] as const) checkEnvName(credentials, which, ['auth', 'credentials'], problems, at);
  }
  const outOfBand = (sanitized['rooms'] as { webhooks?: { outOfBand?: unknown } } | undefined)?.webhooks?.outOfBand;
  if (isRecord(outOfBand)) for (const which of ['url', 'secret'] as const) checkEnvName(outOfBand, which, ['rooms', 'webhooks', 'outOfBand'], problems, at);
  return { problems, sanitized };
}

type At = (path: Path, key?: string) => { file: string; line: number | undefined; path: string };

function scanForSecretKeys(node: Record<string, unknown>, path: Path, problems: ConfigError[], at: At): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string' && SECRET_KEY.test(key)) {
      delete node[key];
      problems.push(
        new ConfigError(`"${key}" looks like a secret written into the profile; secrets never go in a profile file`, {
          ...at([...path, key]),
          hint: 'delete it, put the value in an environment variable and name that variable instead: auth: { credentials: { secret: MY_API_SECRET } } (then export MY_API_SECRET=…)',
        }),
      );
    }
  }
}

/** Where a secret could be pasted: auth itself and the token request's constant fields (claims, pointers and credentials are not). */
function scanAuth(auth: Record<string, unknown>, problems: ConfigError[], at: At): void {
  scanForSecretKeys(auth, ['auth'], problems, at);
  const fields = (auth['token'] as { fields?: unknown } | undefined)?.fields;
  if (isRecord(fields)) scanForSecretKeys(fields, ['auth', 'token', 'fields'], problems, at);
}

function checkEnvName(node: Record<string, unknown>, key: string, path: Path, problems: ConfigError[], at: At): void {
  const value = node[key];
  if (typeof value !== 'string' || ENV_NAME.test(value)) return;
  delete node[key];
  const wrapped = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value);
  problems.push(
    wrapped !== null
      ? new ConfigError(`must be the NAME of an environment variable, not a \${…} reference`, {
          ...at([...path, key]),
          hint: `write ${key}: ${wrapped[1]} (roomgate reads the variable itself; the profile never holds its value)`,
        })
      : new ConfigError(
          `must be the NAME of an environment variable (upper case, like ACME_API_SECRET); this value looks like the ${key === 'secret' ? 'secret' : 'value'} itself`,
          {
            ...at([...path, key]),
            hint: `move the value into an environment variable and write its name here, e.g. ${key}: ACME_API_${key.toUpperCase()}`,
          },
        ),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
