import type { TargetProfile } from '../profile/types.js';

/**
 * Where a run points: the API's base URL (under which the OpenAPI document's
 * paths live), the credentials, and the profile that says how to talk to it.
 * Secrets never leave this object in logs or reports; use `describeTarget`
 * to print one.
 */
export interface Credentials {
  /** Client id, account or API key id; empty when the profile's auth needs none (a static API key). */
  clientId: string;
  clientSecret: string;
}

export interface Target {
  /** e.g. `http://127.0.0.1:4010`; no trailing slash; the profile's operation paths (`/v1/rooms` for VideoConnect) are appended per request. */
  baseUrl: string;
  credentials: Credentials;
  /** True when roomgate started its own reference server for this run. */
  embedded: boolean;
  /** How roomgate talks to this API (docs/profiles.md); absent means the built-in VideoConnect profile. */
  profile?: TargetProfile;
}

/** The target's profile: its own, or the built-in VideoConnect one (loaded on first use, once per process). */
export async function profileOf(target: Target): Promise<TargetProfile> {
  if (target.profile !== undefined) return target.profile;
  const { loadBuiltinProfile } = await import('../profile/load-profile.js');
  return loadBuiltinProfile();
}

export function describeTarget(target: Target): string {
  const who = target.credentials.clientId === '' ? '' : ` as client ${target.credentials.clientId}`;
  const api = target.profile === undefined || target.profile.file === undefined ? '' : ` (profile ${target.profile.name})`;
  return `${target.baseUrl}${target.embedded ? ' (embedded reference server)' : ''}${api}${who}`;
}

/** Only loopback targets may be loaded hard by default; others need an explicit opt-in. */
export function isLoopback(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
