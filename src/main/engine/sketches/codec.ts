/** Compact JSON encodings of typed arrays (base64 of their little-endian bytes). */
export function encodeF64(values: ArrayLike<number>): string {
  const a = Float64Array.from(values);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function decodeF64(text: string): Float64Array {
  const b = Buffer.from(text, 'base64');
  if (b.length % 8 !== 0) throw new Error('a float64 array must be a multiple of 8 bytes');
  const out = new Float64Array(b.length / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function encodeU8(values: Uint8Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeU8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}
