import { describe, expect, it } from 'vitest';
import { encodeParams } from '../../src/profile/request-builder.js';
import { formatPointer, readPointer } from '../../src/profile/pointer.js';
import { parsePlaceholder, renderTemplate, templateProblems } from '../../src/profile/template.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const at = { now: () => NOW, uuid: () => '6f1c0b9e-4c1e-4d7e-9b43-2f1a7c3e5d00' };

describe('request templates', () => {
  it("a string that is exactly one placeholder keeps the variable's type", () => {
    expect(
      renderTemplate({ max: '{{maxParticipants}}', private: '{{private}}', name: '{{ name }}' }, { maxParticipants: 4, private: false, name: 'rg-1' }, at),
    ).toEqual({ max: 4, private: false, name: 'rg-1' });
    expect(renderTemplate('{{limit|string}}', { limit: 20 }, at)).toBe('20');
  });

  it('placeholders inside longer strings are interpolated; nested variables are read by path', () => {
    expect(
      renderTemplate({ title: 'room {{name}} of {{clientId}}', path: '/x/{{room.id}}' }, { name: 'rg-1', clientId: 'acme', room: { id: 'rm_1' } }, at),
    ).toEqual({ title: 'room rg-1 of acme', path: '/x/rm_1' });
  });

  it('a value that renders unset drops its key or list element (an optional cursor disappears on the first page)', () => {
    expect(
      renderTemplate(
        { limit: '{{limit}}', cursor: '{{cursor}}', label: 'after {{cursor}}', names: ['{{room.id}}', 'fixed'], nested: { status: '{{status}}' } },
        { limit: 5 },
        at,
      ),
    ).toEqual({ limit: 5, names: ['fixed'], nested: {} });
    expect(renderTemplate('{{cursor}}', {}, at)).toBeUndefined();
    expect(renderTemplate(undefined, {}, at)).toBeUndefined();
  });

  it('constants pass through, and {{uuid}} is a fresh UUID', () => {
    expect(renderTemplate({ type: 'group', n: 3, on: true, none: null, list: [1, 'a'] }, {}, at)).toEqual({
      type: 'group',
      n: 3,
      on: true,
      none: null,
      list: [1, 'a'],
    });
    expect(renderTemplate('{{uuid}}', {})).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('{{now±duration}} is an ISO 8601 UTC instant, |unix and |unixMs epoch numbers, in the one duration grammar', () => {
    expect(renderTemplate({ a: '{{now}}', b: '{{now+1h}}', c: '{{now-30s}}', d: '{{now+1h30m}}', e: '{{now + 500ms}}' }, {}, at)).toEqual({
      a: '2026-03-01T12:00:00.000Z',
      b: '2026-03-01T13:00:00.000Z',
      c: '2026-03-01T11:59:30.000Z',
      d: '2026-03-01T13:30:00.000Z',
      e: '2026-03-01T12:00:00.500Z',
    });
    expect(renderTemplate({ exp: '{{now+1h|unix}}', ms: '{{now|unixMs}}', text: 'until {{now+1m|unix}}' }, {}, at)).toEqual({
      exp: NOW / 1000 + 3600,
      ms: NOW,
      text: `until ${NOW / 1000 + 60}`,
    });
  });

  it('malformed placeholders are explained, and unknown names get a did-you-mean', () => {
    expect(parsePlaceholder('now+1 day')).toMatch(/is not a placeholder/);
    expect(parsePlaceholder('now+1d')).toBe('{{now+1d}}: "1d" is not a duration (write e.g. 30s, 15m, 1h or 1h30m)');
    expect(parsePlaceholder('now|epoch')).toBe('{{now|epoch}}: unknown format "epoch" (use iso, unix or unixMs)');
    expect(templateProblems({ a: '{{maxParticipant}}' }, ['name', 'maxParticipants'])[0]).toMatch(
      /^unknown placeholder \{\{maxParticipant\}\}; did you mean \{\{maxParticipants\}\}\?/,
    );
    expect(templateProblems({ a: '{{now+2h}}', b: '{{name}}' }, ['name'])).toEqual([]);
  });

  it("query strings and form bodies repeat a list's key and encode reserved characters", () => {
    expect(encodeParams({ Status: 'in-progress', names: ['a b', 'c&d'], n: 2, on: false })).toBe('Status=in-progress&names=a+b&names=c%26d&n=2&on=false');
  });
});

describe('JSON Pointer (RFC 6901)', () => {
  const doc = { data: [{ room_id: 'rm_1' }], 'a/b': { 'm~n': 1 }, '': { x: 0 }, zero: 0 };

  it('reads nested members and array indexes, with ~1 and ~0 unescaped in that order', () => {
    expect(readPointer(doc, '')).toBe(doc);
    expect(readPointer(doc, '/data/0/room_id')).toBe('rm_1');
    expect(readPointer(doc, '/a~1b/m~0n')).toBe(1);
    expect(readPointer(doc, '/')).toEqual({ x: 0 });
    expect(readPointer(doc, '/zero')).toBe(0);
    expect(formatPointer(['a/b', 'm~n', 0])).toBe('/a~1b/m~0n/0');
  });

  it('answers undefined where nothing is: missing keys, out-of-range, "-" and leading-zero indexes, inherited members', () => {
    expect(readPointer(doc, '/data/1')).toBeUndefined();
    expect(readPointer(doc, '/data/-')).toBeUndefined();
    expect(readPointer(doc, '/data/00')).toBeUndefined();
    expect(readPointer(doc, '/missing/x')).toBeUndefined();
    expect(readPointer(doc, '/data/0/toString')).toBeUndefined();
    expect(readPointer('text', '/length')).toBeUndefined();
    expect(() => readPointer(doc, 'data')).toThrow(/not a JSON Pointer/);
  });
});
