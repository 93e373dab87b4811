import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAgainstSchema } from '../../src/config/schema-validation.js';
import { parseYamlSource } from '../../src/config/yaml-source.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';
import { BUILTIN_PROFILE, BUNDLED_PACT, BUNDLED_SPEC, packagePath } from '../../src/package-assets.js';
import { loadBuiltinProfile, loadProfile, parseProfile } from '../../src/profile/load-profile.js';
import { writeFiles, writeVendorFiles } from './profile-vendor-shapes.js';

const SPEC = `openapi: 3.1.0
info: { title: Acme meetings, version: 1.0.0 }
paths:
  /v1/meetings:
    post:
      operationId: createMeeting
      requestBody: { content: { application/json: { schema: { type: object } } } }
      responses: { '201': { description: Created. } }
    get:
      operationId: listMeetings
      responses: { '200': { description: A page. } }
  /v1/meetings/{meetingId}:
    get:
      operationId: getMeeting
      parameters: [{ name: meetingId, in: path, required: true, schema: { type: string } }]
      responses: { '200': { description: The meeting. } }
    delete:
      operationId: deleteMeeting
      parameters: [{ name: meetingId, in: path, required: true, schema: { type: string } }]
      responses: { '204': { description: Deleted. } }
  /v1/orgs/{orgId}/meetings/{meetingId}/end:
    post:
      operationId: endMeeting
      parameters:
        - { name: orgId, in: path, required: true, schema: { type: string } }
        - { name: meetingId, in: path, required: true, schema: { type: string } }
      responses: { '200': { description: Ended. } }
`;

const VALID = `# yaml-language-server: $schema=../schemas/profile.schema.json
profile: 1
name: Acme Meetings v1
spec: ./acme.openapi.yaml
auth:
  kind: bearer
  credentials: { secret: ACME_API_KEY }
rooms:
  create:
    operation: createMeeting
    body:
      title: "{{name}}"
      endDate: "{{now+1h}}"
  get:
    operation: getMeeting
  list:
    operation: "GET /v1/meetings"
    query: { pageSize: "{{limit}}", cursor: "{{cursor}}" }
    items: /items
    nextCursor: /nextCursor
  close:
    operation: deleteMeeting
    answers: [204]
    repeat: not-found
    afterClose: gone
fields:
  id: /meetingId
  name: /title
  status: /state
conventions:
  errors: spec
  rateLimitHeaders: x-ratelimit
  pacts: [./pacts/acme.json]
`;

/** Write the profile next to the spec and load it; the error, when it fails. */
async function loadText(profile: string): Promise<{ file: string; error: ConfigError | undefined }> {
  const dir = writeFiles({ 'acme.openapi.yaml': SPEC, 'acme.profile.yaml': profile });
  const file = join(dir, 'acme.profile.yaml');
  try {
    await loadProfile(file);
    return { file, error: undefined };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { file, error };
  }
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line.includes(needle)) + 1;
}

describe('loading a target profile', () => {
  it('loads a valid profile: defaults applied, operations resolved by id and by METHOD /path, paths relative to the file', async () => {
    const dir = writeFiles({ 'acme.openapi.yaml': SPEC, 'acme.profile.yaml': VALID });
    const profile = await loadProfile(join(dir, 'acme.profile.yaml'));
    expect(profile.spec.path).toBe(join(dir, 'acme.openapi.yaml'));
    expect(profile.auth).toEqual({ kind: 'bearer', credentials: { secretVar: 'ACME_API_KEY' } });
    expect(profile.rooms.create).toMatchObject({
      encoding: 'json',
      room: '',
      resolved: { operationId: 'createMeeting', method: 'POST', pathTemplate: '/v1/meetings' },
    });
    expect(profile.rooms.get.params).toEqual({ meetingId: '{{room.id}}' });
    expect(profile.rooms.list).toMatchObject({ resolved: { operationId: 'listMeetings' }, paging: { kind: 'cursor', pointer: '/nextCursor' } });
    expect(profile.rooms.close).toMatchObject({ answers: [204], repeat: 'not-found', afterClose: 'gone' });
    // `status: /state` is shorthand for the API using roomgate's own values.
    expect(profile.fields.status).toEqual({ pointer: '/state', values: { waiting: ['waiting'], active: ['active'], closed: ['closed'] } });
    expect(profile.conventions).toEqual({ errors: 'spec', rateLimitHeaders: 'x-ratelimit', pacts: [join(dir, 'pacts', 'acme.json')] });
  });

  it('JSON profiles load too', async () => {
    const dir = writeFiles({
      'acme.openapi.yaml': SPEC,
      'acme.json': JSON.stringify({
        profile: 1,
        name: 'Acme',
        spec: 'acme.openapi.yaml',
        auth: { kind: 'header', header: 'X-Api-Key' },
        rooms: { create: { operation: 'createMeeting' }, get: { operation: 'getMeeting' }, close: { operation: 'deleteMeeting' } },
        fields: { id: '/id' },
      }),
    });
    const profile = await loadProfile(join(dir, 'acme.json'));
    expect(profile.auth).toEqual({ kind: 'header', header: 'X-Api-Key', prefix: '', credentials: {} });
    expect(profile.conventions).toEqual({ errors: 'spec', rateLimitHeaders: 'none', pacts: [] });
  });

  it('the built-in profile is the shipped file, resolved from the package, and names the bundled spec and pact', async () => {
    expect(BUILTIN_PROFILE).toBe(packagePath('profiles', 'videoconnect.yaml'));
    const profile = await loadBuiltinProfile();
    expect(profile.file).toBe(BUILTIN_PROFILE);
    expect(profile.spec.path).toBe(BUNDLED_SPEC);
    expect(profile.conventions).toEqual({ errors: 'envelope', rateLimitHeaders: 'ietf', pacts: [BUNDLED_PACT] });
    expect(profile.auth).toMatchObject({
      kind: 'client-credentials',
      token: { resolved: { method: 'POST', pathTemplate: '/v1/auth/token' }, expiresIn: '/expires_in' },
    });
    expect(await loadBuiltinProfile()).toBe(profile);
  });

  it('the vendor-shaped profiles and the built-in one validate against the shipped JSON Schema as they are', () => {
    const dir = writeVendorFiles();
    for (const file of [BUILTIN_PROFILE, join(dir, 'daily.profile.yaml'), join(dir, 'twilio.profile.yaml'), join(dir, 'livekit.profile.yaml')]) {
      const source = parseYamlSource(file, readFileSync(file, 'utf8'));
      expect(() => validateAgainstSchema(source, 'profile', source.doc.toJS())).not.toThrow();
    }
  });

  it("--spec overrides the profile's spec (relative to the current directory)", async () => {
    const dir = writeFiles({ 'other.yaml': SPEC });
    const profile = await parseProfile(VALID.replace('spec: ./acme.openapi.yaml\n', ''), join(dir, 'p.yaml'), { spec: join(dir, 'other.yaml') });
    expect(profile.spec.path).toBe(join(dir, 'other.yaml'));
  });
});

describe('profile errors name file, line and path', () => {
  it('a wrong type', async () => {
    const text = VALID.replace('answers: [204]', 'answers: "204"');
    const { file, error } = await loadText(text);
    expect(error?.located).toBe(`${file}:${lineOf(text, 'answers: "204"')}: rooms.close.answers must be array (got the string "204")`);
  });

  it('an unknown role key, with a did-you-mean', async () => {
    const text = VALID.replace('  get:\n', '  gett:\n');
    const { file, error } = await loadText(text);
    const problems = error instanceof ConfigErrors ? error.errors : [error!];
    const unknown = problems.find((e) => e.message.startsWith('unknown key'));
    expect(unknown?.located).toBe(`${file}:${lineOf(text, 'gett:')}: rooms unknown key "gett"; did you mean "get"?`);
    expect(unknown?.hint).toBe('rename "gett" to "get"');
  });

  it('a literal secret: located, says how to fix it, and never repeats the value', async () => {
    const text = VALID.replace('  credentials: { secret: ACME_API_KEY }', '  apiKey: sk_live_51Hx9secretvalue');
    const { file, error } = await loadText(text);
    expect(error?.located).toBe(
      `${file}:${lineOf(text, 'apiKey:')}: auth.apiKey "apiKey" looks like a secret written into the profile; secrets never go in a profile file`,
    );
    expect(error?.hint).toContain('credentials: { secret: MY_API_SECRET }');
    expect(JSON.stringify([error?.message, error?.hint, error?.located])).not.toContain('sk_live');
  });

  it('a secret pasted where an environment variable name belongs, and a ${VAR} reference', async () => {
    const pasted = await loadText(VALID.replace('secret: ACME_API_KEY', 'secret: sk_live_51Hx9secretvalue'));
    expect(pasted.error?.path).toBe('auth.credentials.secret');
    expect(pasted.error?.message).toContain('must be the NAME of an environment variable');
    expect(JSON.stringify(pasted.error)).not.toContain('sk_live');
    expect(pasted.error?.message).not.toContain('sk_live');
    const wrapped = await loadText(VALID.replace('secret: ACME_API_KEY', 'secret: "${ACME_API_KEY}"'));
    expect(wrapped.error?.hint).toBe('write secret: ACME_API_KEY (roomgate reads the variable itself; the profile never holds its value)');
  });

  it("a client_secret among the token request's constant fields", async () => {
    const text = VALID.replace(
      '  kind: bearer\n  credentials: { secret: ACME_API_KEY }',
      '  kind: client-credentials\n  token:\n    operation: createMeeting\n    fields: { client_secret: abc123 }\n    accessToken: /token',
    );
    const { error } = await loadText(text);
    expect(error?.path).toBe('auth.token.fields.client_secret');
    expect(error?.message).not.toContain('abc123');
  });

  it('an operation the spec lacks names the role, the closest operationId and the available ones', async () => {
    const text = VALID.replace('operation: getMeeting', 'operation: getMeting');
    const { file, error } = await loadText(text);
    expect(error?.located).toBe(
      `${file}:${lineOf(text, 'operation: getMeting')}: rooms.get.operation rooms.get (role get): the OpenAPI document has no operation "getMeting"; did you mean "getMeeting"?`,
    );
    expect(error?.hint).toBe('use one of its operationIds (listMeetings, createMeeting, getMeeting, deleteMeeting, endMeeting) or write "METHOD /path"');
    const byPath = await loadText(VALID.replace('"GET /v1/meetings"', '"GET /v1/meeting"'));
    expect(byPath.error?.message).toBe('rooms.list (role list): the OpenAPI document has no operation GET /v1/meeting; closest: GET /v1/meetings');
  });

  it('a placeholder the role has no value for, and a misspelt one', async () => {
    const misspelt = await loadText(VALID.replace('title: "{{name}}"', 'title: "{{nmae}}"'));
    expect(misspelt.error?.path).toBe('rooms.create.body');
    expect(misspelt.error?.message).toMatch(/^unknown placeholder \{\{nmae\}\}; did you mean \{\{name\}\}\?/);
    const wrongRole = await loadText(VALID.replace('pageSize: "{{limit}}"', 'pageSize: "{{room.id}}"'));
    expect(wrongRole.error?.message).toMatch(/^\{\{room\.id\}\} has no value here \(available: \{\{limit\}\}, \{\{cursor\}\}, \{\{status\}\}/);
    const badDuration = await loadText(VALID.replace('{{now+1h}}', '{{now+1 hour}}'));
    expect(badDuration.error?.message).toContain('is not a placeholder');
  });

  it('path parameters nothing fills, and a form body that is not flat', async () => {
    const text = VALID.replace('operation: deleteMeeting', 'operation: endMeeting').replace('answers: [204]', 'answers: [200]');
    const { error } = await loadText(text);
    expect(error?.message).toBe("the operation's path has parameters {orgId}, {meetingId} that nothing fills");
    expect(error?.hint).toBe('add params: { orgId: "{{room.id}}", meetingId: "{{room.id}}" }');
    const filled = await loadText(text.replace('operation: endMeeting', 'operation: endMeeting\n    params: { orgId: acme, meetingId: "{{room.id}}" }'));
    expect(filled.error).toBeUndefined();
    const nested = await loadText(
      VALID.replace('    operation: createMeeting\n', '    operation: createMeeting\n    encoding: form\n').replace(
        'endDate: "{{now+1h}}"',
        'window: { end: "{{now+1h}}" }',
      ),
    );
    expect(nested.error?.message).toBe('a form-encoded body must be a mapping of scalars (or lists of scalars)');
  });

  it('several problems are reported together, in line order', async () => {
    const text = VALID.replace('kind: bearer', 'kind: beare').replace('id: /meetingId', 'id: meetingId');
    const { error } = await loadText(text);
    expect(error).toBeInstanceOf(ConfigErrors);
    expect((error as ConfigErrors).errors.map((e) => e.path)).toEqual(['auth.kind', 'fields.id']);
    expect((error as ConfigErrors).errors[0]?.message).toContain('did you mean "bearer"?');
  });

  it('a missing file or spec says what to do', async () => {
    await expect(loadProfile('/nonexistent/acme.yaml')).rejects.toMatchObject({
      message: 'no such profile file',
      hint: expect.stringContaining('roomgate init --from-spec'),
    });
    const { error } = await loadText(VALID.replace('./acme.openapi.yaml', './missing.yaml'));
    expect(error?.path).toBe('spec');
    expect(error?.hint).toContain('relative to the profile file');
  });
});
