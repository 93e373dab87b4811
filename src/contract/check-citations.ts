import type { CheckInstance } from './check-definition.js';
import { operationIn, type GateFacts } from './check-preconditions.js';
import { GATE_ROLES, type GateRole } from './gate-roles.js';
import { operationPointer } from '../spec/spec-facts.js';

/**
 * The citations of a check as readable strings for the document in use:
 * `openapi #/paths/~1v1~1rooms/post/responses/201/headers/Location`,
 * `docs/contract-gate.md "Contract gate": "arrival < 5 s"`, `standard: RFC 9110 §15.5.6`.
 */
export function citationsFor(facts: GateFacts, check: CheckInstance): string[] {
  return check.definition.cites.map((c) => {
    switch (c.source) {
      case 'openapi': {
        const pointer = expandPointer(facts, c.pointer, check.operationId);
        return `openapi ${pointer ?? c.pointer}${c.quote === undefined ? '' : `: "${c.quote}"`}`;
      }
      case 'guide':
        return `${c.file} "${c.section}": "${c.quote}"`;
      case 'standard':
        return `standard: ${c.name}`;
    }
  });
}

/** `{createRoom}`/`{operation}` replaced by the pointer of the operation the profile maps there; undefined when there is none. */
export function expandPointer(facts: GateFacts, pointer: string, operationId?: string): string | undefined {
  const match = /^\{([A-Za-z]+)\}/.exec(pointer);
  if (match === null) return pointer;
  const name = match[1] as string;
  const target =
    name === 'operation' ? (operationId === undefined ? undefined : facts.spec.byId(operationId)) : isGateRole(name) ? operationIn(facts, name) : undefined;
  return target === undefined ? undefined : `${operationPointer(facts.spec, target)}${pointer.slice(match[0].length)}`;
}

function isGateRole(name: string): name is GateRole {
  return Object.hasOwn(GATE_ROLES, name);
}

/** The value a JSON pointer (`#/a/b~1c`) designates in the document, or undefined. */
export function resolvePointer(document: unknown, pointer: string): unknown {
  if (!pointer.startsWith('#')) return undefined;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
