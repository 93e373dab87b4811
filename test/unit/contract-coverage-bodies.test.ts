import { describe, expect, it } from 'vitest';
import { fillFromTemplate, LOOPBACK_URL, urlsOnLoopback, validPropertyValues } from '../../src/contract/checks/generated-cases.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';

describe('bodies the gate generates', () => {
  it("lays the profile's template over a generated body: what the template sets holds, the rest stays generated", () => {
    const generated = { name: 'zz', properties: { exp: 3, nbf: 7, max_participants: 12 }, privacy: 'private' };
    const template = { name: 'roomgate-run-1', properties: { exp: 1_900_000_000 } };
    expect(fillFromTemplate(generated, template)).toEqual({
      name: 'roomgate-run-1',
      properties: { exp: 1_900_000_000, nbf: 7, max_participants: 12 },
      privacy: 'private',
    });
    expect(fillFromTemplate(generated, undefined)).toBe(generated);
  });

  it('moves every generated URL that leaves the machine to a loopback port nothing listens on', () => {
    expect(
      urlsOnLoopback({ StatusCallback: 'https://example.com/cb', nested: [{ url: 'http://a.b/c' }], local: 'http://127.0.0.1:4000/x', text: 'plain' }),
    ).toEqual({
      StatusCallback: LOOPBACK_URL,
      nested: [{ url: LOOPBACK_URL }],
      local: 'http://127.0.0.1:4000/x',
      text: 'plain',
    });
  });

  it('finds one valid value per declared property, each valid on its own', async () => {
    const spec = new SpecIndex(await loadSpec('examples/twilio/openapi.yaml'));
    const body = spec.requestBody(spec.byId('CreateRoom')!);
    expect(body?.encoding).toBe('form');
    const values = validPropertyValues(body!.schema, 1);
    expect([...values.keys()]).toContain('EmptyRoomTimeout');
    for (const [name, value] of values) expect(spec.validateBody(body!.schema, { [name]: value }, 'json'), name).toEqual([]);
  });

  it('judges a form body as the server reads it: text coerced to the declared types, repeated keys as lists', async () => {
    const spec = new SpecIndex(await loadSpec('examples/twilio/openapi.yaml'));
    const { schema } = spec.requestBody(spec.byId('CreateRoom')!)!;
    expect(spec.validateBody(schema, 'MaxParticipants=5&AudioOnly=true&VideoCodecs=VP8&VideoCodecs=H264', 'form')).toEqual([]);
    expect(spec.validateBody(schema, 'VideoCodecs=VP8', 'form')).toEqual([]);
    expect(spec.validateBody(schema, 'MaxParticipants=51', 'form')).not.toEqual([]);
    expect(spec.validateBody(schema, 'AudioOnly=maybe', 'form')).not.toEqual([]);
    // A number sent for a string field is the text "12345" on the wire: valid, so no "wrong type" case can be made of it.
    expect(spec.validateBody(schema, 'UniqueName=12345', 'form')).toEqual([]);
  });
});
