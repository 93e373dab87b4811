import type { StepContext } from '../model/step.js';
import { RoomApi } from '../profile/room-api.js';
import type { Credentials } from '../target/target.js';
import { RateLimitHeaderLog } from './checks/rate-limit-checks.js';
import { ConformanceLog } from './conformance.js';
import { createRoomVia, gateFacts, sendVia, type GateContext, type ResolvedContractOptions } from './gate-context.js';
import { GateIdentity } from './http/gate-identity.js';
import type { GateDocuments } from './contract-step.js';

/** A gate ready to run check families: its context, its own client, and the logs that watch every answer. */
export interface OpenedGate {
  gate: GateContext;
  /** The gate's own API client (the run's credentials). */
  identity: GateIdentity;
  conformance: ConformanceLog;
  rateLimitHeaders: RateLimitHeaderLog;
}

/**
 * The GateContext for one run: the profile's RoomApi, the gate's own client
 * authenticated as the profile says, every answer (of every identity the
 * gate opens) judged by the conformance and rate-limit-header logs, and
 * names unique to the run under one prefix. The caller closes
 * `identity` when done.
 */
export function openGate(
  ctx: Pick<StepContext, 'target' | 'signal'>,
  documents: GateDocuments,
  options: ResolvedContractOptions,
  check: GateContext['check'],
): OpenedGate {
  const { profile, spec } = documents;
  const facts = gateFacts(spec, profile, options);
  const conformance = new ConformanceLog(spec);
  const rateLimitHeaders = new RateLimitHeaderLog(facts);
  const observers = [conformance.observe, rateLimitHeaders.observe];
  const openIdentity = (credentials: Credentials, input?: { label: string; credentialsHint?: string }) =>
    new GateIdentity({
      baseUrl: ctx.target.baseUrl,
      profile,
      spec,
      credentials,
      timeoutMs: options.requestTimeoutMs,
      maxBodyBytes: options.maxBodyBytes,
      observers,
      ...input,
    });
  const identity = openIdentity(ctx.target.credentials);
  const http = identity.http;
  const api = new RoomApi(profile, ctx.target.credentials.clientId === '' ? {} : { clientId: ctx.target.credentials.clientId });
  // One prefix for every room of this run (cleanup lists the run's rooms by it); base36 time keeps it short for APIs with name limits.
  const namePrefix = `roomgate-${Date.now().toString(36)}-`;
  let counter = 0;
  const uniqueName = (label: string) => `${namePrefix}${label}-${(counter += 1)}`;
  const createdRooms = new Set<string>();
  const send = sendVia(http, ctx.signal);
  const gate: GateContext = {
    target: ctx.target,
    profile,
    api,
    http,
    spec,
    facts,
    options,
    signal: ctx.signal,
    createdRooms,
    namePrefix,
    uniqueName,
    issueToken: (credentials) => identity.issueToken(credentials, ctx.signal),
    openIdentity,
    send,
    createRoom: createRoomVia({ api, http, facts, send, uniqueName, createdRooms }),
    check,
  };
  return { gate, identity, conformance, rateLimitHeaders };
}
