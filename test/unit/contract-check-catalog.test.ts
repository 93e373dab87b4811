import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_CATALOG, checkIdsFor, listChecks, registryOf, unresolvedCitations } from '../../src/contract/check-catalog.js';
import { defineCheck, type CheckDefinition } from '../../src/contract/check-definition.js';
import { pass } from '../../src/contract/check.js';
import { IDEMPOTENCY_CHECKS } from '../../src/contract/checks/idempotency-checks.js';
import { STATEFUL_CHECKS } from '../../src/contract/checks/stateful-checks.js';
import { runRegisteredCheck } from '../../src/contract/gate-context.js';
import { WEBHOOK_CHECKS } from '../../src/contract/webhooks/webhook-checks.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import { CONTRACT_GROUPS } from '../../src/contract/options.js';
import { gateFactsFor } from '../helpers/gate-facts.js';

/** A guide's text, as the citations name it (paths from the repository root). */
const readGuide = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

const bundled = () => gateFactsFor();
const variant = () => gateFactsFor('test/fixtures/variant-spec/openapi.yaml');

describe('check registry', () => {
  it('every registered check has an id, a group, what it enforces and a citation that resolves in the bundled contract; ids are unique', async () => {
    const spec = await bundled();
    const ids = CHECK_CATALOG.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(CHECK_CATALOG.length).toBeGreaterThan(45);
    for (const definition of CHECK_CATALOG) {
      expect(definition.id, JSON.stringify(definition)).toMatch(/^[a-z-]+\.[a-z0-9.{}A-Z-]+$/);
      expect([...CONTRACT_GROUPS, 'pact'], definition.id).toContain(definition.group);
      expect(definition.id.startsWith(`${definition.group}.`), definition.id).toBe(true);
      expect(definition.enforces.length, definition.id).toBeGreaterThan(10);
      expect(definition.cites.length, definition.id).toBeGreaterThan(0);
    }
    // Every citation of every concrete check resolves (OpenAPI pointers in the bundled document, guide rules in docs/),
    // and none cites standards alone.
    expect(unresolvedCitations(spec, readGuide)).toEqual([]);
    // The concrete ids of one document are unique too (per-operation checks expanded).
    const concrete = checkIdsFor(spec).map((c) => c.id);
    expect(new Set(concrete).size).toBe(concrete.length);
  });

  it('every module that defines checks has each check it exports in the catalog (a family cannot be left out)', async () => {
    const modules = readdirSync('src/contract', { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && file !== 'check-definition.ts')
      .filter((file) => /\bdefine(Operation|Interaction)?Check\(/.test(readFileSync(join('src/contract', file), 'utf8')));
    expect(modules.length).toBeGreaterThan(10);
    const exported: CheckDefinition[] = [];
    for (const file of modules) {
      const module = (await import(`../../src/contract/${file}`)) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        for (const check of typeof value === 'object' && value !== null ? [value, ...Object.values(value)] : []) {
          const definition = (check as { definition?: CheckDefinition }).definition;
          if (definition?.scope !== undefined) exported.push(definition);
        }
      }
    }
    expect(exported.length).toBe(CHECK_CATALOG.length);
    for (const definition of exported) expect(CHECK_CATALOG, definition.id).toContain(definition);
  });

  it('refuses a second definition under one id, as a registry of checks by name does', () => {
    const written = { group: 'routing', enforces: 'an example promise', cites: [{ source: 'standard', name: 'RFC 9110' }] } as const;
    expect(() => registryOf([{ a: defineCheck({ id: 'routing.twice', ...written }) }, { b: defineCheck({ id: 'routing.twice', ...written }) }])).toThrow(
      'two checks are registered as routing.twice',
    );
  });

  it('detects a citation that does not resolve (the test above can fail)', async () => {
    const facts = await bundled();
    const trimmed = structuredClone(facts.spec.document);
    delete trimmed.paths?.['/v1/rooms/{room_id}']?.get?.responses?.['404'];
    const problems = unresolvedCitations({ ...facts, spec: new SpecIndex(trimmed) }, () => undefined);
    expect(problems.some((p) => p.startsWith('lifecycle.unknown-room-404:'))).toBe(true);
    expect(problems.some((p) => p.includes('docs/contract-gate.md has no section'))).toBe(true);
  });

  it('lists per-operation checks for the document in use, with citations', async () => {
    const spec = await bundled();
    const rows = listChecks(spec);
    const create = rows.find((r) => r.id === 'lifecycle.create-201-location');
    expect(create?.cites).toContain('openapi #/paths/~1v1~1rooms/post/responses');
    expect(rows.find((r) => r.id === 'schema.createRoom')?.cites[0]).toBe('openapi #/paths/~1v1~1rooms/post/responses');
    // Every check applies to VideoConnect but the one about client-signed tokens' grants: a token the target
    // issues (client credentials) cannot be forged without its grants, and the listing says so.
    expect(rows.filter((r) => r.notApplicable !== undefined).map((r) => [r.id, r.notApplicable])).toEqual([
      ['auth.missing-grant-401', "the target profile's auth kind is client-credentials, not jwt"],
    ]);
    // Per-operation checks are listed for the operations they are run for, and only those.
    expect(rows.some((r) => r.id === 'generated.valid-accepted.createRoom')).toBe(true);
    expect(rows.some((r) => r.id === 'generated.valid-accepted.listRooms')).toBe(false);
  });
});

describe('preconditions', () => {
  it("a contract precondition's reason is the skipped result's reason, verbatim, and the body never runs", async () => {
    const spec = await variant();
    const facts = { ...spec, given: { secondClient: true } };
    for (const check of [STATEFUL_CHECKS.afterJoinToken, WEBHOOK_CHECKS.subscribe]) {
      const listed = listChecks(spec).find((r) => r.id === check.id)?.notApplicable;
      expect(listed, check.id).toBeDefined();
      let ran = false;
      const result = await runRegisteredCheck(facts, check, async () => {
        ran = true;
        return pass(1);
      });
      expect(ran).toBe(false);
      expect(result).toMatchObject({ name: check.id, group: check.definition.group, status: 'skipped', reason: `${listed}, so the gate does not check it` });
    }
    // The same checks run where the document states what they need.
    const stated = await runRegisteredCheck({ ...(await bundled()), given: { secondClient: true } }, STATEFUL_CHECKS.afterJoinToken, async () => pass(1));
    expect(stated.status).toBe('passed');
  });

  it("a run without a second client skips the per-client scoping check with the given precondition's reason", async () => {
    const spec = await bundled();
    const without = await runRegisteredCheck({ ...spec, given: { secondClient: false } }, IDEMPOTENCY_CHECKS.scopedPerClient, async () => pass(1));
    const reason = IDEMPOTENCY_CHECKS.scopedPerClient.definition.given[0]?.({ secondClient: false });
    expect(reason).toBe("needs a second client's credentials (--second-client-id/--second-client-secret) to show keys are scoped per client");
    expect(without).toMatchObject({ status: 'skipped', reason });
    const withClient = await runRegisteredCheck({ ...spec, given: { secondClient: true } }, IDEMPOTENCY_CHECKS.scopedPerClient, async () => pass(2));
    expect(withClient).toMatchObject({ status: 'passed', observations: 2 });
    // --list-checks knows only the document: the check is listed as applicable.
    expect(listChecks(spec).find((r) => r.id === IDEMPOTENCY_CHECKS.scopedPerClient.id)?.notApplicable).toBeUndefined();
  });

  it('a result carries the citations of its definition, on the result and on each piece of failure evidence', async () => {
    const spec = await bundled();
    const check = defineCheck({
      id: 'lifecycle.example',
      group: 'lifecycle',
      enforces: 'an example promise',
      cites: [{ source: 'openapi', pointer: '{getRoom}/responses/404' }],
    });
    const result = await runRegisteredCheck(spec, check, async () => ({ status: 'failed', message: 'no', evidence: [{ expected: 'a', actual: 'b' }] }));
    expect(result.cites).toEqual(['openapi #/paths/~1v1~1rooms~1{room_id}/get/responses/404']);
    expect(result.status === 'failed' ? result.evidence[0]?.cites : undefined).toEqual(result.cites);
  });
});
