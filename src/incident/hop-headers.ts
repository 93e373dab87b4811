/**
 * Header hygiene of an HTTP intermediary (RFC 9110 §7.6.1): the fault proxy
 * passes every end-to-end header through as sent (names' case, order and
 * repeats kept, from `rawHeaders`), and drops only the hop-by-hop ones, which
 * describe one connection and which node:http re-creates for the next hop
 * (framing, keep-alive). `Host` names the target, so a virtual-hosted or TLS
 * target sees its own name.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** `rawHeaders` (name, value, name, value, …) as pairs. */
export function headerPairs(rawHeaders: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
  return pairs;
}

/** The headers the client sent, ready for the target: hop-by-hop ones out, `Host` the target's; an upgrade keeps `Connection: Upgrade` and `Upgrade`. */
export function requestHeadersForTarget(rawHeaders: readonly string[], targetHost: string, options: { upgrade: boolean }): string[] {
  const pairs = headerPairs(rawHeaders);
  const dropped = droppedNames(pairs);
  // The proxy has already answered `Expect: 100-continue` itself (node:http does), so the target must not wait for a second go-ahead.
  dropped.add('expect');
  const out: string[] = [];
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (lower === 'host') continue;
    if (dropped.has(lower)) continue;
    out.push(name, value);
  }
  out.unshift('Host', targetHost);
  if (options.upgrade) {
    const upgrade = pairs.find(([name]) => name.toLowerCase() === 'upgrade');
    if (upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', upgrade[1]);
  }
  return out;
}

/** The target's response headers, ready for the client: hop-by-hop ones out. */
export function responseHeadersForClient(rawHeaders: readonly string[]): string[] {
  const pairs = headerPairs(rawHeaders);
  const dropped = droppedNames(pairs);
  return pairs.filter(([name]) => !dropped.has(name.toLowerCase())).flat();
}

/** The hop-by-hop names plus those the `Connection` header lists for this hop only. */
function droppedNames(pairs: ReadonlyArray<[string, string]>): Set<string> {
  const dropped = new Set(HOP_BY_HOP);
  for (const [name, value] of pairs) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) {
      const listed = token.trim().toLowerCase();
      if (listed !== '') dropped.add(listed);
    }
  }
  return dropped;
}

/** A whole HTTP/1.1 response head as bytes, for sockets that left node:http's hands (an upgrade). */
export function rawResponseHead(status: number, statusMessage: string, rawHeaders: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${statusMessage}\r\n`;
  for (const [name, value] of headerPairs(rawHeaders)) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}
