// The one way our requests reach the network: an undici dispatcher whose connector checks the address each
// socket will connect to against the address policy. Checking a URL's host name before fetching is not
// enough: the name may resolve to a public address for the check and to 127.0.0.1 for the connection (DNS
// rebinding). Here the lookup that is checked is the lookup the socket uses, and literal IP hosts (which
// sockets connect to without a lookup) are checked before any socket exists.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import type { LookupFunction } from "node:net";
import type { buildConnector as BuildConnector, Dispatcher } from "undici";
import { literalAddress, refusedUnder, type AddressPolicy } from "./address-policy.ts";

/** The connector refused an address; request.ts turns it into a PrivateNetworkError naming the request. */
export class RefusedAddressError extends Error {
  readonly code = "ERR_ADDRESS_REFUSED";
  readonly host: string;
  readonly address: string;

  constructor(host: string, address: string, kind: string) {
    // For a name, the refusal is said without the address it resolved to: the message reaches whoever submitted
    // the URL (a registration's reason), who has no business learning how this host resolves names.
    super(literalAddress(host) === undefined ? `${host} is refused: its address is ${kind.replace(/ of [\d.]+,/, ",")}` : `${address} is ${kind}`);
    this.host = host;
    this.address = address;
  }
}

/** A lookup that fails when any address the name resolves to is refused: a name that also points inward is not trusted. */
function checkedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      for (const { address } of addresses) {
        const kind = refusedUnder(address, policy);
        if (kind !== undefined) return callback(new RefusedAddressError(hostname, address, kind), "", 0);
      }
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: "ENOTFOUND" }), "", 0);
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

function checkedConnector(policy: AddressPolicy, buildConnector: typeof BuildConnector): BuildConnector.connector {
  // HTTP/1.1 only, as Node's own fetch: one code path to reason about.
  const connect = buildConnector({ lookup: checkedLookup(policy), allowH2: false });
  return (options, callback) => {
    const literal = literalAddress(options.hostname);
    const kind = literal === undefined ? undefined : refusedUnder(literal, policy);
    if (literal !== undefined && kind !== undefined) return callback(new RefusedAddressError(options.hostname, literal, kind), null);
    return connect(options, callback);
  };
}

// Promises, so that requests made together while undici loads still share one dispatcher.
const dispatchers = new Map<string, Promise<Dispatcher>>();

/**
 * One dispatcher per policy, shared so that connections are reused; idle sockets do not keep the process
 * alive. Undici is loaded on the first request (75 ms), not by every command that imports the HTTP code.
 */
export function dispatcherFor(policy: AddressPolicy): Promise<Dispatcher> {
  const key = JSON.stringify([policy.allowPrivateNetwork, [...policy.allowedNetworks].sort()]);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    const frozen: AddressPolicy = { allowPrivateNetwork: policy.allowPrivateNetwork, allowedNetworks: [...policy.allowedNetworks] };
    dispatcher = import("undici").then(({ Agent, buildConnector }) => new Agent({ connect: checkedConnector(frozen, buildConnector), allowH2: false }));
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/** The refusal behind a failed fetch, if that is why it failed. */
export function refusedAddressIn(error: unknown): RefusedAddressError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (e instanceof RefusedAddressError) return e;
    if (e instanceof AggregateError) {
      const inner = e.errors.find((x) => x instanceof RefusedAddressError);
      if (inner) return inner as RefusedAddressError;
    }
  }
  return undefined;
}
