// Seeded random corruption of pickles for the mutation and differential tests.

/** mulberry32: small, seedable, good enough to pick bytes and positions. */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (below: number) => Math.floor(next() * below) };
}

export type Random = ReturnType<typeof random>;

/** One to `maxRounds` random edits of a copy of `input`. */
export function mutate(input: Uint8Array, rng: Random, maxRounds = 4): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input); // a copy even of a Buffer, whose slice() is a view
  const rounds = 1 + rng.int(maxRounds);
  for (let r = 0; r < rounds; r++) {
    const at = rng.int(bytes.length + 1);
    switch (rng.int(6)) {
      case 0: // flip one bit
        if (at < bytes.length) bytes[at]! ^= 1 << rng.int(8);
        break;
      case 1: // overwrite a byte (often an opcode)
        if (at < bytes.length) bytes[at] = rng.int(256);
        break;
      case 2: {
        // insert random bytes
        const extra = Uint8Array.from({ length: 1 + rng.int(8) }, () => rng.int(256));
        bytes = concat(bytes.subarray(0, at), extra, bytes.subarray(at));
        break;
      }
      case 3: // delete a few bytes
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + 1 + rng.int(8)));
        break;
      case 4: // truncate
        bytes = bytes.slice(0, at);
        break;
      default: {
        // copy a slice from elsewhere: keeps opcodes plausible
        const from = rng.int(bytes.length);
        const piece = bytes.slice(from, from + 1 + rng.int(64));
        bytes = concat(bytes.subarray(0, at), piece, bytes.subarray(at));
      }
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
