// Which IP addresses a stranger's URL may make us connect to. Checkpoint URLs and their redirects come from
// anyone (the registry server fetches what people submit), so without this a URL could reach the machine
// itself, the cloud metadata service (169.254.169.254) or the private network behind it. Only addresses
// that are public unicast pass; IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are judged by it.
// Pure functions on address text: the connector (private-network.ts) applies them to the address it dials.
import { isIPv4, isIPv6 } from "node:net";

/** What the caller lets through besides public addresses. */
export interface AddressPolicy {
  /** Every address is allowed (tests on 127.0.0.1, closed networks). */
  allowPrivateNetwork: boolean;
  /** CIDR ranges allowed although not public, e.g. "127.0.0.0/8" or "fd00:1::/64"; checked against the address as given. */
  allowedNetworks: readonly string[];
}

interface Range {
  bytes: Uint8Array;
  prefix: number;
  /** Completes "<address> is ..." */
  kind: string;
}

/** "10.0.0.0/8" -> bytes and prefix; throws RangeError on anything else. */
export function parseCidr(cidr: string): { bytes: Uint8Array; prefix: number } {
  const slash = cidr.lastIndexOf("/");
  const bytes = slash < 0 ? undefined : parseAddress(cidr.slice(0, slash));
  const prefixText = cidr.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!bytes || !(prefix <= bytes.length * 8)) throw new RangeError(`"${cidr}" is not a network in CIDR notation (e.g. 10.0.0.0/8 or fd00::/8)`);
  return { bytes, prefix };
}

const range = (cidr: string, kind: string): Range => ({ ...parseCidr(cidr), kind });

// The IANA special-purpose registries (IPv4, IPv6), less the few ranges there that are globally reachable
// anycast services no checkpoint is served from. Order matters: the first match names the kind.
const ipv4Refused: Range[] = [
  range("0.0.0.0/32", "the unspecified address (it reaches this machine)"),
  range("0.0.0.0/8", "a 'this network' address"),
  range("10.0.0.0/8", "a private address (RFC 1918)"),
  range("100.64.0.0/10", "a shared address (carrier-grade NAT, RFC 6598)"),
  range("127.0.0.0/8", "a loopback address"),
  range("169.254.0.0/16", "a link-local address (where cloud metadata services live)"),
  range("172.16.0.0/12", "a private address (RFC 1918)"),
  range("192.0.0.0/24", "an IETF protocol assignment address"),
  range("192.0.2.0/24", "a documentation address"),
  range("192.88.99.0/24", "a reserved address (the retired 6to4 relay anycast)"),
  range("192.168.0.0/16", "a private address (RFC 1918)"),
  range("198.18.0.0/15", "a benchmarking address"),
  range("198.51.100.0/24", "a documentation address"),
  range("203.0.113.0/24", "a documentation address"),
  range("224.0.0.0/4", "a multicast address"),
  range("255.255.255.255/32", "the broadcast address"),
  range("240.0.0.0/4", "a reserved address"),
];

const ipv6Refused: Range[] = [
  range("::/128", "the unspecified address (it reaches this machine)"),
  range("::1/128", "a loopback address"),
  range("::/96", "a deprecated IPv4-compatible address"),
  range("64:ff9b:1::/48", "a local-use NAT64 address"),
  range("100::/64", "a discard-only address"),
  range("2001:db8::/32", "a documentation address"),
  range("2001::/23", "an IETF protocol assignment address (Teredo, benchmarking, ...)"),
  range("3fff::/20", "a documentation address"),
  range("fc00::/7", "a unique local address (a private network)"),
  range("fe80::/10", "a link-local address"),
  range("fec0::/10", "a site-local address (deprecated)"),
  range("ff00::/8", "a multicast address"),
];

/** IPv6 ranges that carry an IPv4 address: the connection goes (or is translated) to that address. */
const ipv4Carriers: Array<Range & { at: number }> = [
  { ...range("::ffff:0:0/96", "an IPv4-mapped address"), at: 12 },
  { ...range("64:ff9b::/96", "a NAT64 address"), at: 12 },
  { ...range("2002::/16", "a 6to4 address"), at: 2 },
];

const globalUnicast = parseCidr("2000::/3");

/**
 * Why `address` (IPv4 dotted quad or IPv6, as DNS or a URL's host gives it) may not be connected to, as
 * words completing "<address> is ...", or undefined when it is a public address. Text that is not an IP
 * address is refused too: only resolved addresses should get here.
 */
export function refusedKind(address: string): string | undefined {
  const bytes = parseAddress(address);
  if (!bytes) return "not an IP address";
  if (bytes.length === 4) return ipv4Refused.find((r) => inRange(bytes, r))?.kind;
  const carrier = ipv4Carriers.find((r) => inRange(bytes, r));
  if (carrier) {
    const ipv4 = bytes.subarray(carrier.at, carrier.at + 4);
    const kind = ipv4Refused.find((r) => inRange(ipv4, r))?.kind;
    return kind === undefined ? undefined : `${carrier.kind} of ${ipv4.join(".")}, ${kind}`;
  }
  const special = ipv6Refused.find((r) => inRange(bytes, r));
  if (special) return special.kind;
  return inRange(bytes, globalUnicast) ? undefined : "a reserved address (outside global unicast 2000::/3)";
}

/** Why `address` is refused under `policy` (as `refusedKind`), or undefined when it is allowed. */
export function refusedUnder(address: string, policy: AddressPolicy): string | undefined {
  if (policy.allowPrivateNetwork) return undefined;
  const kind = refusedKind(address);
  if (kind === undefined) return undefined;
  const bytes = parseAddress(address);
  if (bytes && policy.allowedNetworks.some((cidr) => inRange(bytes, parseCidr(cidr)))) return undefined;
  return kind;
}

/** The IP address a URL's host names literally (after the WHATWG parser's normalisation: 0x7f.1 -> 127.0.0.1), else undefined. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return isIPv4(bare) || isIPv6(bare) ? bare : undefined;
}

function inRange(bytes: Uint8Array, { bytes: base, prefix }: { bytes: Uint8Array; prefix: number }): boolean {
  if (bytes.length !== base.length) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const mask = prefix - bit >= 8 ? 0xff : (0xff << (8 - (prefix - bit))) & 0xff;
    if ((bytes[bit / 8]! & mask) !== (base[bit / 8]! & mask)) return false;
  }
  return true;
}

/** 4 bytes for dotted-quad IPv4, 16 for IPv6 (a zone, "%eth0", is dropped); undefined for anything else. */
export function parseAddress(text: string): Uint8Array | undefined {
  const address = text.replace(/%.*$/, "");
  if (isIPv4(address)) return Uint8Array.from(address.split(".").map(Number));
  if (!isIPv6(address)) return undefined;
  // A trailing dotted quad stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  const tail = dotted ? Array.from(parseAddress(dotted[2]!)!) : [];
  const hex = dotted ? dotted[1]!.replace(/:$/, dotted[1]!.endsWith("::") ? ":" : "") : address;
  const [head, rest] = hex.includes("::") ? hex.split("::") : [hex, undefined];
  const groups = (part: string | undefined) => (part ? part.split(":").map((g) => Number.parseInt(g, 16)) : []);
  const before = groups(head);
  const after = groups(rest);
  const missing = 8 - tail.length / 2 - before.length - after.length;
  const all = [...before, ...Array<number>(rest === undefined ? 0 : missing).fill(0), ...after];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  bytes.set(tail, 16 - tail.length);
  return bytes;
}
