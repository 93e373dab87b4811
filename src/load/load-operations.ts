import { closest, distance } from 'fastest-levenshtein';
import { ConfigError } from '../errors.js';
import type { LoadOperation, LoadRole } from '../model/load-summary.js';
import type { RoleRequest, TargetProfile } from '../profile/types.js';

/**
 * What the load step's operations are called. The workload drives four roles
 * of the target profile (create, get, list, close); metrics, `--mix` and SLOs
 * name each by ONE name: the role's `metric:` in the profile when it sets one
 * (VideoConnect's profile says create_room, get_room, list_rooms and
 * delete_room, so existing scenarios, SLOs and dashboards read the same
 * series), else the user's own operationId (`getMeeting.p99 < 200ms`).
 *
 * Aliases are accepted wherever a name is (mix and SLOs) and always resolve
 * to that one name: the operationId (when `metric:` renamed it), the role
 * (`create`, `get`, `list`, `close`) and `delete` for close (today's
 * `--mix create=20,get=70,list=5,delete=5`). A name wins over an alias and an
 * ambiguous alias (LiveKit's get and list are both `ListRooms`) is not one.
 */
export const LOAD_ROLES: readonly LoadRole[] = ['create', 'get', 'list', 'close'];
export type { LoadRole, LoadOperation };

/** SLO selectors split on dots, so a name is an identifier: what the SLO grammar reads as one. */
const IDENTIFIER = /^[A-Za-z_]\w*$/;

/** Words that mean a role whatever the profile calls it. */
const ROLE_WORDS: Readonly<Record<string, LoadRole>> = { create: 'create', get: 'get', list: 'list', close: 'close', delete: 'close' };

export class LoadOperations {
  private readonly byRole = new Map<LoadRole, LoadOperation>();
  /** Every accepted word → its role; names first, then operationIds, then role words. */
  private readonly words = new Map<string, LoadRole>();

  private constructor(readonly all: readonly LoadOperation[]) {
    for (const op of all) this.byRole.set(op.role, op);
    for (const op of all) this.words.set(op.name, op.role);
    const byOperationId = new Map<string, LoadRole[]>();
    for (const op of all) byOperationId.set(op.operationId, [...(byOperationId.get(op.operationId) ?? []), op.role]);
    for (const [operationId, roles] of byOperationId) {
      if (roles.length === 1 && IDENTIFIER.test(operationId) && !this.words.has(operationId)) this.words.set(operationId, roles[0]!);
    }
    for (const [word, role] of Object.entries(ROLE_WORDS)) if (this.byRole.has(role) && !this.words.has(word)) this.words.set(word, role);
  }

  /** The workload's operations for `profile`: every role it maps (list is optional). */
  static of(profile: TargetProfile): LoadOperations {
    const roles: [LoadRole, RoleRequest | undefined][] = [
      ['create', profile.rooms.create],
      ['get', profile.rooms.get],
      ['list', profile.rooms.list],
      ['close', profile.rooms.close],
    ];
    const present = roles.filter((entry): entry is [LoadRole, RoleRequest] => entry[1] !== undefined);
    const derived = present.map(([role, request]) => ({
      role,
      operationId: request.resolved.operationId,
      explicit: request.metric,
      name: request.metric ?? identifierOf(request.resolved.operationId),
    }));
    // Two roles played by one operation (LiveKit's ListRooms reads one room and lists them all) would
    // share one series: each gets its role appended instead, unless the profile named them itself.
    const counts = new Map<string, number>();
    for (const d of derived) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
    const list = derived.map((d): LoadOperation => {
      if ((counts.get(d.name) ?? 0) < 2) return { role: d.role, name: d.name, operationId: d.operationId };
      if (d.explicit !== undefined && derived.filter((o) => o.name === d.name).every((o) => o.explicit !== undefined)) {
        throw new ConfigError(`rooms.${d.role}.metric "${d.name}" is also another role's metric name`, {
          ...(profile.file === undefined ? {} : { file: profile.file }),
          path: `rooms.${d.role}.metric`,
          hint: 'give each of create, get, list and close its own metric name',
        });
      }
      return { role: d.role, name: d.explicit ?? `${d.name}_${d.role}`, operationId: d.operationId };
    });
    return new LoadOperations(list);
  }

  /** From the operations a report recorded (a merge of shards). */
  static fromList(list: readonly LoadOperation[]): LoadOperations {
    return new LoadOperations([...list]);
  }

  /** The metric names, in role order. */
  names(): string[] {
    return this.all.map((op) => op.name);
  }

  /** Every word a mix or an SLO may use for an operation (names and aliases). */
  vocabulary(): string[] {
    return [...this.words.keys()];
  }

  has(role: LoadRole): boolean {
    return this.byRole.has(role);
  }

  /** The operation playing `role`; throws when the profile maps none (callers check `has` first). */
  get(role: LoadRole): LoadOperation {
    const op = this.byRole.get(role);
    if (op === undefined) throw new Error(`the profile maps no rooms.${role} operation`);
    return op;
  }

  /** The role a name or alias means, or undefined. */
  roleOf(word: string): LoadRole | undefined {
    return this.words.get(word);
  }

  /** The metric name a name or alias means, or undefined. */
  nameOf(word: string): string | undefined {
    const role = this.words.get(word);
    return role === undefined ? undefined : this.byRole.get(role)?.name;
  }

  /** `create_room (createRoom, create)` lines for hints. */
  describe(): string {
    return this.all.map((op) => `${op.name}${op.operationId === op.name ? '' : ` (${op.operationId})`}`).join(', ');
  }

  /**
   * A mix as written (names, aliases) → weight per role. Unknown names and
   * roles the profile does not map are config errors at `path`; weights must
   * be finite and >= 0, and not all 0.
   */
  resolveMix(mix: Readonly<Record<string, number>>, path: string): Map<LoadRole, number> {
    const weights = new Map<LoadRole, number>();
    for (const [word, weight] of Object.entries(mix)) {
      const role = this.roleOf(word);
      if (role === undefined) {
        const mapped = ROLE_WORDS[word];
        if (mapped !== undefined) {
          throw new ConfigError(`the mix names ${word}, but the target profile maps no rooms.${mapped} operation`, {
            path,
            hint: `leave ${word} out of the mix, or add rooms.${mapped} to the profile`,
          });
        }
        const known = this.vocabulary();
        const guess = known.length === 0 ? undefined : closest(word, known);
        const near = guess !== undefined && distance(word, guess) <= Math.max(2, Math.floor(word.length / 3));
        throw new ConfigError(`unknown operation "${word}" in the mix${near ? ` (did you mean "${guess}"?)` : ''}`, {
          path,
          hint: `operations: ${this.describe()}; or the roles create, get, list, close`,
        });
      }
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
        throw new ConfigError(`weight of ${word} must be a number >= 0`, { path: `${path}.${word}` });
      weights.set(role, (weights.get(role) ?? 0) + weight);
    }
    if ([...weights.values()].every((w) => w === 0)) throw new ConfigError('the mix gives every operation weight 0', { path });
    return weights;
  }
}

/** An operationId as an SLO identifier: characters the grammar cannot read become `_`. */
function identifierOf(operationId: string): string {
  if (IDENTIFIER.test(operationId)) return operationId;
  const cleaned = operationId.replace(/\W+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `op_${cleaned}`;
}
