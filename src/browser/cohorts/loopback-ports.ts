/**
 * The root-namespace loopback ports a cohort's participants need: those of
 * the URLs (target, join URLs, an adapter's signaling server) that point at
 * this host's IPv4 loopback. The lab makes exactly these reachable from the
 * participants' namespaces, at the same address (src/network/lab.ts).
 */
export function loopbackPorts(urls: readonly (string | undefined)[]): number[] {
  const ports = new Set<number>();
  for (const text of urls) {
    if (text === undefined) continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      continue;
    }
    if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') continue;
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80;
    if (Number.isInteger(port) && port > 0) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}
