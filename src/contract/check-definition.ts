import type { ContractGroup } from './options.js';
import type { GateFacts, GivenPrecondition, Precondition } from './check-preconditions.js';
import type { IndexedOperation } from '../spec/spec-index.js';

/**
 * A check is one definition, registered once (the way Schemathesis' `@check`
 * registers a check function): its id, group, what it enforces, where that
 * promise is written down and what must hold for it to be judged. A family
 * runs its body under it (`ctx.check(CHECKS.name, body)`); the body only
 * judges: it never names the check or its group, and never restates why the
 * check would not apply (a runtime reason, such as "no delivery arrived", is
 * still its to give).
 * `--list-checks`, the citations on results and evidence, and the catalog
 * tests all read these definitions (check-catalog.ts lists them in order).
 */

/**
 * Where a promise is written down. An OpenAPI citation is a JSON pointer into
 * the document in use (`{createRoom}` stands for the pointer of the operation
 * the target profile maps to that role,
 * `{operation}` for the operation a per-operation check is about), optionally
 * with words the pointed text must contain; a guide citation names a file of
 * docs/, a section and words in it; standards the document itself names (IETF drafts, Standard
 * Webhooks) are cited by name.
 */
export type Citation =
  | { source: 'openapi'; pointer: string; quote?: string }
  | { source: 'guide'; file: string; section: string; quote: string }
  | { source: 'standard'; name: string };

export const cite = {
  openapi: (pointer: string, quote?: string): Citation => ({ source: 'openapi', pointer, ...(quote === undefined ? {} : { quote }) }),
  /** A documented rule of roomgate's own guides (`docs/contract-gate.md`), by section heading and words in it. */
  guide: (file: string, section: string, quote: string): Citation => ({ source: 'guide', file, section, quote }),
  standard: (name: string): Citation => ({ source: 'standard', name }),
};

/** The pointer of the document's description, where VideoConnect states its cross-cutting rules. */
export const INFO = '#/info/description';

export type CheckGroup = ContractGroup | 'pact';

/** How many checks one definition stands for: one per run, one per operation of the document, one per pact interaction. */
export type CheckScope = { per: 'run' } | { per: 'operation'; appliesTo: (op: IndexedOperation, facts: GateFacts) => boolean } | { per: 'interaction' };

export interface CheckDefinition {
  /** The check id; for per-operation and per-interaction checks the pattern (`schema.{operationId}`, `pact.matches-openapi.{interaction}`). */
  readonly id: string;
  readonly group: CheckGroup;
  /** The promise, in one sentence a reader of a report understands. */
  readonly enforces: string;
  readonly cites: readonly Citation[];
  /**
   * What the contract in use must state for the promise to exist (an operation,
   * a declared status, a header). The first unmet one skips the check with its
   * reason and ", so the gate does not check it"; `--list-checks` shows it.
   */
  readonly requires: readonly Precondition[];
  /**
   * What the gate must have been given to judge the promise (a second client's
   * credentials). The first unmet one's reason is the skip reason as written;
   * `--list-checks`, which knows only the document, does not judge these.
   */
  readonly given: readonly GivenPrecondition[];
  readonly scope: CheckScope;
}

/** One check as the gate runs and reports it: a definition, and the operation a per-operation check is about. */
export interface CheckInstance {
  /** The reported id (the check's `name` on results, JUnit test cases and evidence). */
  readonly id: string;
  readonly definition: CheckDefinition;
  readonly operationId?: string;
}

/** What a definition is written as: the scope and empty precondition lists are filled in. */
interface DefinitionFields {
  group: CheckGroup;
  enforces: string;
  cites: readonly Citation[];
  requires?: readonly Precondition[];
  given?: readonly GivenPrecondition[];
}

function fields(id: string, written: DefinitionFields, scope: CheckScope): CheckDefinition {
  return { id, group: written.group, enforces: written.enforces, cites: written.cites, requires: written.requires ?? [], given: written.given ?? [], scope };
}

/** A check the gate runs once. The returned instance is what a body is run under. */
export function defineCheck(written: DefinitionFields & { id: string }): CheckInstance {
  const definition = fields(written.id, written, { per: 'run' });
  return { id: definition.id, definition };
}

export interface OperationCheck {
  readonly definition: CheckDefinition;
  /** Whether the document's operation gets this check (the gate runs, and `--list-checks` lists, exactly these). */
  appliesTo(op: IndexedOperation, facts: GateFacts): boolean;
  /** The operations of the document this check is run for, in the document's order. */
  operationsIn(facts: GateFacts): IndexedOperation[];
  /** The check about one operation: `schema.{operationId}` → `schema.createRoom`. */
  of(op: IndexedOperation): CheckInstance;
}

/** A check the gate runs once per operation of the document (`appliesTo` narrows which). */
export function defineOperationCheck(
  written: DefinitionFields & { id: `${string}{operationId}`; appliesTo?: (op: IndexedOperation, facts: GateFacts) => boolean },
): OperationCheck {
  const appliesTo = written.appliesTo ?? (() => true);
  const definition = fields(written.id, written, { per: 'operation', appliesTo });
  return {
    definition,
    appliesTo,
    operationsIn: (facts) => facts.spec.operations.filter((op) => appliesTo(op, facts)),
    of: (op) => aboutOperation(definition, op),
  };
}

function aboutOperation(definition: CheckDefinition, op: IndexedOperation): CheckInstance {
  return { id: definition.id.replace('{operationId}', op.operationId), definition, operationId: op.operationId };
}

/**
 * The checks a definition stands for with this document: itself, or one per
 * operation it applies to. Interactions come from the pact files, not the
 * document, so a per-interaction check is listed once, as its pattern.
 */
export function instancesIn(definition: CheckDefinition, facts: GateFacts): CheckInstance[] {
  const { scope } = definition;
  switch (scope.per) {
    case 'run':
    case 'interaction':
      return [{ id: definition.id, definition }];
    case 'operation':
      return facts.spec.operations.filter((op) => scope.appliesTo(op, facts)).map((op) => aboutOperation(definition, op));
  }
}

export interface InteractionCheck {
  readonly definition: CheckDefinition;
  /** The check about one pact interaction, named by its description. */
  of(interaction: string): CheckInstance;
}

/** A check the gate runs once per interaction of the consumer pacts. */
export function defineInteractionCheck(written: DefinitionFields & { id: `${string}{interaction}` }): InteractionCheck {
  const definition = fields(written.id, written, { per: 'interaction' });
  return { definition, of: (interaction) => ({ id: written.id.replace('{interaction}', interaction), definition }) };
}

/** Anything a check family exports: the catalog takes the definition of each. */
export type RegisteredCheck = CheckInstance | OperationCheck | InteractionCheck;
