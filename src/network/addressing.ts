import { BlockList, isIPv4 } from 'node:net';

/**
 * Private IPv4 addresses for the lab. Each lab takes one /16 (10.231.0.0/16
 * unless the host already routes or holds addresses in it): cohort n's link
 * is 10.<b>.n.0/30 (hub end .1, cohort end .2) and the hub's service address,
 * where participants reach the forwarded loopback ports, is 10.<b>.255.1 on
 * the hub's loopback. These addresses exist only inside the lab's namespaces,
 * so two concurrent labs may use the same block; the check against the host's
 * routes keeps a participant's addresses from looking like a network the host
 * really reaches (a VPN on 10.231/16, say), which would confuse anyone reading
 * its ICE candidates.
 */

export interface AddressBlock {
  /** The second octet: the block is 10.<octet>.0.0/16. */
  octet: number;
  cidr: string;
}

/** Blocks tried in order; 10.231–10.239 are rarely used by VPNs, clouds or container runtimes. */
export const ADDRESS_BLOCK_OCTETS: readonly number[] = [231, 232, 233, 234, 235, 236, 237, 238, 239];

/** Cohorts one block holds: third octets 0–254 (255 is the hub's service address). */
export const MAX_COHORTS = 255;

/** The first candidate block that overlaps none of `occupied` (CIDRs or single addresses), if any. */
export function chooseAddressBlock(occupied: readonly string[], candidates: readonly number[] = ADDRESS_BLOCK_OCTETS): AddressBlock | undefined {
  const taken = new BlockList();
  const takenNetworks: { network: string; prefix: number }[] = [];
  for (const entry of occupied) {
    const parsed = parseCidr(entry);
    if (parsed === undefined || parsed.prefix === 0) continue; // the default route overlaps everything and says nothing
    taken.addSubnet(parsed.network, parsed.prefix, 'ipv4');
    takenNetworks.push(parsed);
  }
  for (const octet of candidates) {
    const block = new BlockList();
    block.addSubnet(`10.${octet}.0.0`, 16, 'ipv4');
    // Two prefixes overlap exactly when one contains the other's network address.
    const overlaps = taken.check(`10.${octet}.0.0`, 'ipv4') || takenNetworks.some((t) => block.check(t.network, 'ipv4'));
    if (!overlaps) return { octet, cidr: `10.${octet}.0.0/16` };
  }
  return undefined;
}

/** Addresses of cohort `index`'s /30 link. */
export function cohortLinkAddresses(block: AddressBlock, index: number): { hub: string; cohort: string; prefixLength: 30 } {
  return { hub: `10.${block.octet}.${index}.1`, cohort: `10.${block.octet}.${index}.2`, prefixLength: 30 };
}

/** Where participants of every cohort reach the lab's forwarded ports. */
export function hubServiceAddress(block: AddressBlock): string {
  return `10.${block.octet}.255.1`;
}

function parseCidr(text: string): { network: string; prefix: number } | undefined {
  const [address, prefixText] = text.split('/');
  if (address === undefined || !isIPv4(address)) return undefined;
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return { network: address, prefix };
}
