import type { RoomRef } from '../../profile/room-api.js';
import type { IndexedOperation } from '../../spec/spec-index.js';
import type { GateContext } from '../gate-context.js';
import { isDestructive, needsRoom, roomParamOf } from './operation-baseline.js';
import { pathParams } from './request-fixtures.js';

/** What one request of a case addresses: path parameter values and the room its role's template names. */
export interface CaseTarget {
  values: Record<string, string | undefined>;
  room: RoomRef | undefined;
}

/**
 * The resources the generated and coverage cases address. A case that only
 * reads or adds (a get, a join token, a create) shares one room the gate
 * created for the purpose; a case whose valid form would change or remove what
 * it addresses (a close, an unsubscribe, an update) gets a fresh one of its
 * own, so no case meets a resource an earlier one spoiled. Rooms are made
 * through the profile's create and join the gate's clean-up.
 */
export class CaseResources {
  private shared: Promise<RoomRef | undefined> | undefined;

  constructor(
    private readonly ctx: GateContext,
    private readonly label: string,
    /** Ids of other resources by path parameter (the coverage fixtures' webhook subscription), and how to get a fresh one. */
    private readonly others: { values: Readonly<Record<string, string | undefined>>; disposable?: (param: string) => Promise<string | undefined> } = {
      values: {},
    },
  ) {}

  /** What a request of `op` addresses: fresh resources when the operation is destructive, else the shared ones. */
  async for(op: IndexedOperation): Promise<CaseTarget> {
    return isDestructive(this.ctx.facts, op) ? this.fresh(op) : this.reused(op);
  }

  /** The shared resources (never a fresh one): for requests that must not create anything of their own. */
  async reused(op: IndexedOperation): Promise<CaseTarget> {
    const room = needsRoom(this.ctx.facts, op) ? await this.sharedRoom() : undefined;
    return { values: { ...this.others.values, ...this.roomValue(op, room) }, room };
  }

  private async fresh(op: IndexedOperation): Promise<CaseTarget> {
    const room = needsRoom(this.ctx.facts, op) ? await this.newRoom() : undefined;
    const values: Record<string, string | undefined> = { ...this.others.values, ...this.roomValue(op, room) };
    const roomParam = roomParamOf(this.ctx.facts, op);
    for (const param of pathParams(op)) {
      if (param !== roomParam && this.others.disposable !== undefined) values[param] = await this.others.disposable(param);
    }
    return { values, room };
  }

  private roomValue(op: IndexedOperation, room: RoomRef | undefined): Record<string, string> {
    const param = roomParamOf(this.ctx.facts, op);
    return param === undefined || room === undefined ? {} : { [param]: room.id };
  }

  private sharedRoom(): Promise<RoomRef | undefined> {
    this.shared ??= this.newRoom();
    return this.shared;
  }

  /** A room made through the profile's create (undefined when the create fails: the cases that need it say so). */
  private async newRoom(): Promise<RoomRef | undefined> {
    const created = await this.ctx.createRoom({ label: this.label }).catch(() => undefined);
    return created === undefined ? undefined : { id: created.roomId, name: created.name };
  }
}
