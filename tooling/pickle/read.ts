// Little-endian integers and line ends read from the input, without allocating: what the walker, the string
// decoding and the value checks all read, at the bottom of the scanner's modules.

export function u16(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

export function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000;
}

export function i32(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}

/** Exact below 2**53; above that only ever compared with remaining input, which it exceeds anyway. */
export function u64(bytes: Uint8Array, at: number): number {
  return u32(bytes, at) + u32(bytes, at + 4) * 0x1_0000_0000;
}

/** Index of the newline that ends the line starting at `from`, or -1 when the input has none. */
export function lineEnd(bytes: Uint8Array, from: number): number {
  return bytes.indexOf(0x0a, from);
}
