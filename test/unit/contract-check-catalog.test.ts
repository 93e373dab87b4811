import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogEntry, CHECK_CATALOG, listChecks, unresolvedCitations } from '../../src/contract/check-catalog.js';
import { loadSpec } from '../../src/contract/spec/load-spec.js';
import { SpecIndex } from '../../src/contract/spec/spec-index.js';

/**
 * The documented rules checks cite live in the README and the guides under docs/ (the contract gate's
 * sections are in docs/contract-gate.md), so citations resolve against all of them, README first.
 */
function publishedDocs(): string {
  const guides = readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
  return ['README.md', ...guides].map((f) => readFileSync(f, 'utf8')).join('\n');
}

describe('check catalog', () => {
  it('every registered check cites something that resolves in the published contract or docs', async () => {
    const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
    expect(unresolvedCitations(spec, publishedDocs())).toEqual([]);
    for (const entry of CHECK_CATALOG) expect(entry.cites.length, entry.id).toBeGreaterThan(0);
  });

  it('detects a citation that does not resolve (the test above can fail)', async () => {
    const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
    const trimmed = structuredClone(spec.document);
    delete (trimmed.paths?.['/v1/rooms']?.post?.responses?.['201'] as { headers?: unknown }).headers;
    const problems = unresolvedCitations(new SpecIndex(trimmed), '');
    expect(problems.some((p) => p.startsWith('lifecycle.create-201-location:'))).toBe(true);
    expect(problems.some((p) => p.includes('README has no section'))).toBe(true);
  });

  it('every check id the gate emits is in the catalog', async () => {
    const ids = readFileSync('test/e2e/contract-faults.test.ts', 'utf8').match(/'[a-z-]+\.[a-z0-9.-]+'/g) ?? [];
    for (const id of ids.map((s) => s.slice(1, -1))) expect(catalogEntry(id), id).toBeDefined();
    const source = ['auth', 'lifecycle', 'idempotency', 'routing', 'rate-limit']
      .map((f) => readFileSync(`src/contract/checks/${f}-checks.ts`, 'utf8'))
      .join('\n') + readFileSync('src/contract/webhooks/webhook-checks.ts', 'utf8');
    const emitted = [...source.matchAll(/check\(group, '([a-z-]+\.[a-z0-9.-]+)'/g)].map((m) => m[1] as string);
    expect(emitted.length).toBeGreaterThan(30);
    for (const id of emitted) expect(catalogEntry(id), id).toBeDefined();
  });

  it('lists per-operation checks for the document in use, with citations', async () => {
    const spec = new SpecIndex(await loadSpec('contracts/videoconnect.v1.openapi.yaml'));
    const rows = listChecks(spec);
    const create = rows.find((r) => r.id === 'lifecycle.create-201-location');
    expect(create?.cites).toContain('openapi #/paths/~1v1~1rooms/post/responses/201/headers/Location');
    expect(rows.find((r) => r.id === 'schema.createRoom')?.cites[0]).toBe('openapi #/paths/~1v1~1rooms/post/responses');
    expect(rows.filter((r) => r.notApplicable !== undefined)).toEqual([]);
  });
});
