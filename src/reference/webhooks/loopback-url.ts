import { isIPv4 } from 'node:net';

/**
 * Whether a URL points at this machine: `localhost`, 127.0.0.0/8 or ::1.
 * Decided from the URL alone (no DNS lookup), so a name that merely resolves
 * to loopback does not count.
 */
export function isLoopbackUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}
