import { AUTH_CHECKS } from './checks/auth-checks.js';
import { ENVELOPE_CHECKS, SCHEMA_CHECKS } from './checks/conformance-checks.js';
import { GENERATED_CHECKS } from './checks/generated-checks.js';
import { IDEMPOTENCY_CHECKS } from './checks/idempotency-checks.js';
import { IDENTITY_CHECKS } from './checks/identity-checks.js';
import { LIFECYCLE_CHECKS } from './checks/lifecycle-checks.js';
import { RATE_LIMIT_CHECKS } from './checks/rate-limit-checks.js';
import { ROUTING_CHECKS } from './checks/routing-checks.js';
import { STATEFUL_CHECKS } from './checks/stateful-checks.js';
import { citationsFor, expandPointer, resolvePointer } from './check-citations.js';
import { instancesIn, type CheckDefinition, type CheckInstance, type RegisteredCheck } from './check-definition.js';
import { unstated, type GateFacts } from './check-preconditions.js';
import { COVERAGE_MINIMUM_CHECKS } from './coverage/coverage-minimum.js';
import { DECLARED_RESPONSE_CHECKS } from './coverage/declared-response-checks.js';
import { INPUT_COVERAGE_CHECKS } from './coverage/input-coverage-checks.js';
import { PACT_CHECKS } from './pact/pact-step.js';
import { WEBHOOK_CHECKS } from './webhooks/webhook-checks.js';

/**
 * Every check the gate can report, read from the definitions the check
 * families register (check-definition.ts), in the order `--list-checks`
 * shows them (close to the order the gate runs them). A family exports its
 * definitions as one object and runs its bodies under them, so each check it
 * runs is listed here with it; there is no second table to keep in step (a
 * unit test fails when a module that defines checks is missing here). Ids are
 * unique: the catalog refuses a duplicate, as Schemathesis' registry refuses
 * a second check of one name.
 */
const FAMILIES: readonly Readonly<Record<string, RegisteredCheck>>[] = [
  SCHEMA_CHECKS,
  ENVELOPE_CHECKS,
  ROUTING_CHECKS,
  LIFECYCLE_CHECKS,
  AUTH_CHECKS,
  STATEFUL_CHECKS,
  INPUT_COVERAGE_CHECKS,
  DECLARED_RESPONSE_CHECKS,
  COVERAGE_MINIMUM_CHECKS,
  GENERATED_CHECKS,
  IDEMPOTENCY_CHECKS,
  WEBHOOK_CHECKS,
  IDENTITY_CHECKS,
  RATE_LIMIT_CHECKS,
  PACT_CHECKS,
];

export const CHECK_CATALOG: readonly CheckDefinition[] = registryOf(FAMILIES);

/** The definitions of the families, in order; a second definition under one id is a programming error. */
export function registryOf(families: readonly Readonly<Record<string, RegisteredCheck>>[]): CheckDefinition[] {
  const definitions = families.flatMap((family) => Object.values(family).map((check) => check.definition));
  const seen = new Set<string>();
  for (const { id } of definitions) {
    if (seen.has(id)) throw new Error(`two checks are registered as ${id}: a check id names one definition`);
    seen.add(id);
  }
  return definitions;
}

/** The definition of a concrete check id (per-operation and per-interaction ids match their pattern). */
export function catalogEntry(id: string): CheckDefinition | undefined {
  const exact = CHECK_CATALOG.find((d) => d.id === id && d.scope.per === 'run');
  if (exact !== undefined) return exact;
  return CHECK_CATALOG.find((d) => d.scope.per !== 'run' && id.startsWith(d.id.slice(0, d.id.indexOf('{'))));
}

/** The concrete checks for a document and profile: per-operation definitions expanded over the operations they apply to. */
export function checkIdsFor(facts: GateFacts): CheckInstance[] {
  return CHECK_CATALOG.flatMap((definition) => instancesIn(definition, facts));
}

/** One row of `roomgate contract --list-checks`. */
export interface CheckListing {
  id: string;
  group: string;
  enforces: string;
  cites: string[];
  /** Why the check would be skipped with this document, when it would. */
  notApplicable?: string;
}

/** `--list-checks`: every check with what it enforces, its citations, and why it would be skipped with this document and profile. */
export function listChecks(facts: GateFacts): CheckListing[] {
  return checkIdsFor(facts).map((check) => {
    const { definition } = check;
    const notApplicable = unstated(definition.requires, facts);
    return {
      id: check.id,
      group: definition.group,
      enforces: definition.enforces,
      cites: citationsFor(facts, check),
      ...(notApplicable === undefined ? {} : { notApplicable }),
    };
  });
}

/**
 * Citations of the catalog that do not resolve: an OpenAPI pointer that
 * designates nothing in `spec` (or whose text lacks the quoted words), a
 * guide rule whose file, section or words are missing (`readGuide` returns a
 * file's text, or undefined when there is none), a check that cites only
 * standards. Empty for the published contract and guides (a unit test holds
 * it there).
 */
export function unresolvedCitations(facts: GateFacts, readGuide: (file: string) => string | undefined): string[] {
  const { spec } = facts;
  const problems: string[] = [];
  for (const { id, definition, operationId } of checkIdsFor(facts)) {
    const citesDocument = definition.cites.some((c) => c.source !== 'standard');
    if (!citesDocument) problems.push(`${id}: cites only standards, nothing in the document or the guides`);
    for (const c of definition.cites) {
      if (c.source === 'openapi') {
        const pointer = expandPointer(facts, c.pointer, operationId);
        const target = pointer === undefined ? undefined : resolvePointer(spec.document, pointer);
        if (target === undefined) problems.push(`${id}: ${c.pointer} does not resolve`);
        else if (c.quote !== undefined && !JSON.stringify(target).includes(JSON.stringify(c.quote).slice(1, -1))) {
          problems.push(`${id}: ${pointer} does not say "${c.quote}"`);
        }
      } else if (c.source === 'guide') {
        const guide = readGuide(c.file) ?? '';
        const start = guide.search(new RegExp(`^#+ ${c.section.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm'));
        if (start < 0) problems.push(`${id}: ${c.file} has no section "${c.section}"`);
        else {
          const rest = guide.slice(guide.indexOf('\n', start) + 1);
          const next = rest.search(/^#+ /m);
          if (!(next < 0 ? rest : rest.slice(0, next)).includes(c.quote)) problems.push(`${id}: ${c.file} "${c.section}" does not say "${c.quote}"`);
        }
      }
    }
  }
  return problems;
}
