// The address policy on its own: which addresses a stranger's URL may make us connect to, in every notation
// a URL or a DNS answer can give them.
import { describe, expect, it } from "vitest";
import { literalAddress, parseAddress, parseCidr, refusedKind, refusedUnder } from "../../tooling/http/address-policy.ts";

const strict = { allowPrivateNetwork: false, allowedNetworks: [] };
/** The literal address a URL's host comes to after the WHATWG parser, as fetch sees it. */
const hostOf = (url: string) => literalAddress(new URL(url).hostname);

describe("refusedKind: IPv4", () => {
  it.each([
    ["127.0.0.1", /loopback/],
    ["127.255.255.254", /loopback/],
    ["10.0.0.1", /private address \(RFC 1918\)/],
    ["172.16.0.1", /private/],
    ["172.31.255.255", /private/],
    ["192.168.1.1", /private/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["100.127.255.255", /carrier-grade NAT/],
    ["169.254.169.254", /link-local.*cloud metadata/],
    ["0.0.0.0", /unspecified/],
    ["0.1.2.3", /'this network'/],
    ["224.0.0.1", /multicast/],
    ["239.255.255.250", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["240.0.0.1", /reserved/],
    ["192.0.2.1", /documentation/],
    ["198.51.100.7", /documentation/],
    ["203.0.113.9", /documentation/],
    ["198.18.0.1", /benchmarking/],
    ["192.0.0.8", /IETF protocol assignment/],
    ["192.88.99.1", /6to4 relay/],
  ])("%s is refused", (address, kind) => {
    expect(refusedKind(address)).toMatch(kind);
  });

  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "172.15.255.255",
    "172.32.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "169.253.0.1",
    "192.169.0.1",
    "223.255.255.255",
    "18.164.0.1",
  ])("%s (public) is allowed", (address) => {
    expect(refusedKind(address)).toBeUndefined();
  });
});

describe("refusedKind: IPv6", () => {
  it.each([
    ["::1", /loopback/],
    ["::", /unspecified/],
    ["fe80::1", /link-local/],
    ["fe80::1%eth0", /link-local/],
    ["febf::1", /link-local/],
    ["fc00::1", /unique local/],
    ["fd12:3456:789a::1", /unique local/],
    ["fec0::1", /site-local/],
    ["ff02::1", /multicast/],
    ["2001:db8::1", /documentation/],
    ["3fff::1", /documentation/],
    ["2001::1", /IETF protocol assignment/],
    ["100::1", /discard-only/],
    ["::7f00:1", /IPv4-compatible/],
    ["::127.0.0.1", /IPv4-compatible/],
    ["64:ff9b:1::a00:1", /local-use NAT64/],
    ["4000::1", /outside global unicast/],
    ["::ffff:0:7f00:1", /IPv4-compatible|reserved/],
  ])("%s is refused", (address, kind) => {
    expect(refusedKind(address)).toMatch(kind);
  });

  it.each([
    ["::ffff:127.0.0.1", /IPv4-mapped address of 127\.0\.0\.1, a loopback address/],
    ["::ffff:7f00:1", /IPv4-mapped address of 127\.0\.0\.1, a loopback/],
    ["::FFFF:A9FE:A9FE", /IPv4-mapped address of 169\.254\.169\.254, a link-local/],
    ["::ffff:10.1.2.3", /IPv4-mapped address of 10\.1\.2\.3, a private/],
    ["64:ff9b::127.0.0.1", /NAT64 address of 127\.0\.0\.1, a loopback/],
    ["64:ff9b::a9fe:a9fe", /NAT64 address of 169\.254\.169\.254/],
    ["2002:c0a8:0101::1", /6to4 address of 192\.168\.1\.1, a private/],
  ])("%s carries a refused IPv4 address", (address, kind) => {
    expect(refusedKind(address)).toMatch(kind);
  });

  it.each(["2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2600::", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:0808:0808::1"])(
    "%s (public) is allowed",
    (address) => {
      expect(refusedKind(address)).toBeUndefined();
    },
  );

  it("refuses text that is not an address", () => {
    expect(refusedKind("example.org")).toBe("not an IP address");
    expect(refusedKind("127.1")).toBe("not an IP address");
    expect(refusedKind("")).toBe("not an IP address");
  });
});

describe("hosts in odd notations, as the URL parser normalises them", () => {
  it.each([
    ["http://0x7f.1/", "127.0.0.1"],
    ["http://2130706433/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://127.0.0.1./", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://0xa9fea9fe/", "169.254.169.254"],
    ["http://[::ffff:127.0.0.1]/", "::ffff:7f00:1"],
    ["http://[0:0:0:0:0:0:0:1]/", "::1"],
    ["http://[::1]:8080/", "::1"],
    ["http://[64:ff9b::10.0.0.1]/", "64:ff9b::a00:1"],
  ])("%s is %s and refused", (url, address) => {
    expect(hostOf(url)).toBe(address);
    expect(refusedUnder(address, strict)).toBeDefined();
  });

  it("leaves names to the checked lookup", () => {
    expect(hostOf("http://localhost/")).toBeUndefined();
    expect(hostOf("http://127.0.0.1.nip.io/")).toBeUndefined();
    expect(hostOf("https://huggingface.co/x")).toBeUndefined();
  });
});

describe("refusedUnder: the policy", () => {
  it("allows everything with allowPrivateNetwork", () => {
    expect(refusedUnder("127.0.0.1", { allowPrivateNetwork: true, allowedNetworks: [] })).toBeUndefined();
    expect(refusedUnder("fe80::1", { allowPrivateNetwork: true, allowedNetworks: [] })).toBeUndefined();
  });

  it("allows only the networks named in allowedNetworks", () => {
    const policy = { allowPrivateNetwork: false, allowedNetworks: ["127.0.0.0/8", "fd00:1::/32"] };
    expect(refusedUnder("127.0.0.1", policy)).toBeUndefined();
    expect(refusedUnder("127.9.9.9", policy)).toBeUndefined();
    expect(refusedUnder("fd00:1:2::3", policy)).toBeUndefined();
    expect(refusedUnder("10.0.0.1", policy)).toMatch(/private/);
    expect(refusedUnder("169.254.169.254", policy)).toMatch(/link-local/);
    expect(refusedUnder("::1", policy)).toMatch(/loopback/);
    expect(refusedUnder("fd00:2::1", policy)).toMatch(/unique local/);
    expect(refusedUnder("8.8.8.8", policy)).toBeUndefined();
  });

  it("refuses malformed networks", () => {
    expect(() => parseCidr("127.0.0.0")).toThrow(/not a network in CIDR notation/);
    expect(() => parseCidr("127.0.0.0/33")).toThrow(RangeError);
    expect(() => parseCidr("localhost/8")).toThrow(RangeError);
    expect(() => parseCidr("::/129")).toThrow(RangeError);
    expect(parseCidr("::/0").prefix).toBe(0);
  });
});

describe("parseAddress", () => {
  it("reads every IPv6 form into 16 bytes", () => {
    const loopback = [...Array<number>(15).fill(0), 1];
    expect(Array.from(parseAddress("::1")!)).toEqual(loopback);
    expect(Array.from(parseAddress("0:0:0:0:0:0:0:1")!)).toEqual(loopback);
    expect(Array.from(parseAddress("::ffff:1.2.3.4")!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
    expect(Array.from(parseAddress("1:2:3:4:5:6:7.8.9.10")!)).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 7, 8, 9, 10]);
    expect(Array.from(parseAddress("fe80::")!)).toEqual([0xfe, 0x80, ...Array<number>(14).fill(0)]);
    expect(Array.from(parseAddress("1::8")!)).toEqual([0, 1, ...Array<number>(12).fill(0), 0, 8]);
    expect(parseAddress("1::2::3")).toBeUndefined();
    expect(parseAddress("12345::")).toBeUndefined();
  });
});
