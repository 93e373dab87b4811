/**
 * The public extension point for join pages: a `PageAdapter` says how to
 * drive one join page (and, optionally, how to create rooms on the media
 * server behind it). roomgate's own adapters (the reference page, the Janus
 * VideoRoom demo) are written against exactly this interface and use nothing
 * a user's adapter cannot.
 *
 * Media is never the adapter's business: the generic probe measures
 * navigation, getUserMedia, signaling sockets, peer connections, packets,
 * decoded and rendered frames on every page. The adapter only tells the
 * harness how to get in and how to tell "in" from "refused".
 */
import type { Page } from 'puppeteer-core';
import type { FailureLabel, PagePredicate, RefusalPredicate } from '../options.js';

export type { FailureLabel, PagePredicate, RefusalPredicate };

/** Who is joining: handed to every adapter hook. */
export interface ParticipantInfo {
  /** Unique within the step, e.g. `rg-r1-p2` (letters, digits and dashes). */
  name: string;
  /** 0-based position of the participant in the step. */
  index: number;
  /** The URL the participant was planned to open (the room's join URL). */
  joinUrl: string;
  room: {
    /** Label in reports: the room id when known, else `url1`, `url2`, ... */
    label: string;
    /** The room's id on the target or media server, when the step created it. */
    id?: string;
    /** 0-based room index within the step. */
    index: number;
  };
}

/** Passed to `join` and `leave`: when to give up. */
export interface AdapterCallContext {
  /** Epoch ms: the participant's join (or leave) budget ends here; the harness stops waiting then. */
  deadline: number;
  /** Aborted when the run is interrupted. */
  signal: AbortSignal;
}

/** A room the step asks the adapter to create (see `PageAdapter.createRoom`). */
export interface RoomRequest {
  /** 0-based room index within the step. */
  index: number;
  /** A name for the room, unique within the run (e.g. `roomgate browser 1`). */
  name: string;
  /** Participants the step will send into this room. */
  participants: number;
  /** The step's `maxParticipants` option, when given (capacity of the room). */
  maxParticipants?: number;
  signal: AbortSignal;
}

/** A room created by the adapter. */
export interface AdapterRoom {
  /** The id on the media server (shown in reports, passed back to `deleteRoom`). */
  id: string;
  /** What participants open. */
  joinUrl: string;
}

export interface PageAdapter {
  /** Shown in reports, e.g. `janus videoroom demo`. */
  name: string;
  /**
   * Create one room on the media server behind the page. With this hook the
   * step creates its rooms here instead of through the VideoConnect API (and
   * skips the API consistency checks, which are about that API).
   */
  createRoom?(request: RoomRequest): Promise<AdapterRoom>;
  /** Remove a room created by `createRoom` (called after everyone left, also after a failure). */
  deleteRoom?(room: AdapterRoom): Promise<void>;
  /** The URL a participant opens; default: its join URL unchanged. */
  url?(participant: ParticipantInfo): string;
  /**
   * JavaScript source run in the page before any of the page's own scripts
   * (after the probe), e.g. to point a demo page at a test server by
   * pinning the global its settings file would set.
   */
  beforeLoad?(participant: ParticipantInfo): string;
  /**
   * Drive the page after DOMContentLoaded: fill names, click buttons. Throw
   * (or let a puppeteer timeout throw) when a step cannot be done: the
   * participant is then labelled `join_ui_timeout` with your message, unless
   * the page showed a refusal first.
   */
  join?(page: Page, participant: ParticipantInfo, context: AdapterCallContext): Promise<void>;
  /** True once the participant is in the room (evaluated by the probe on every DOM change). */
  joined: PagePredicate;
  /** Refusals the page can show, checked together with `joined`; the first that holds wins. */
  refused?: readonly RefusalPredicate[];
  /** Leave politely before the page is closed (e.g. click "Leave"); bounded to 5 s. */
  leave?(page: Page, participant: ParticipantInfo, context: AdapterCallContext): Promise<void>;
  /** Extra Chromium flags this page needs, appended to roomgate's own. */
  chromiumArgs?: readonly string[];
  /**
   * Other URLs on this host's loopback the page connects to (a signaling
   * server on another port than the page's). Participants of a network
   * cohort run in their own network namespace and reach only the loopback
   * ports the run exposes to them: the target's, the join URLs', and these.
   */
  loopbackUrls?: readonly string[];
}

/**
 * What an adapter module exports as `default` (or as `adapter`): the adapter
 * itself, or a function of the scenario's `adapter.options` returning it.
 */
export type AdapterModuleExport = PageAdapter | ((options: Record<string, unknown>) => PageAdapter | Promise<PageAdapter>);

/** Identity, for type inference and editor help in adapter modules: `export default defineAdapter({...})`. */
export function defineAdapter<T extends AdapterModuleExport>(adapter: T): T {
  return adapter;
}
