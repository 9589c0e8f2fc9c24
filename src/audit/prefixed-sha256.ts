// SHA-256 (FIPS 180-4) of many messages that share one prefix, for the ballot
// sampler: every ballot's ticket hashes the seed's 64-hex-digit hash (exactly
// one block) followed by the ballot's short id, so the prefix block is
// compressed once and each ballot costs one compression, written to allocate
// nothing. Fifteen million ballots make the generic hasher's per-call costs
// (objects, copies) the bulk of the time. Tested against @noble/hashes.

const ROUND_CONSTANTS = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL_STATE = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

export class PrefixedSha256 {
  private readonly midState = new Int32Array(8);
  private readonly prefixLength: number;
  private readonly schedule = new Int32Array(64);
  private readonly padded = new Uint8Array(128);

  /** `prefix` must be whole 64-byte blocks. */
  constructor(prefix: Uint8Array) {
    if (prefix.length % 64 !== 0)
      throw new RangeError(`the prefix is ${prefix.length} bytes, not whole 64-byte blocks`);
    this.prefixLength = prefix.length;
    this.midState.set(INITIAL_STATE);
    for (let at = 0; at < prefix.length; at += 64) this.compress(this.midState, prefix, at);
  }

  /**
   * SHA-256 of prefix + tail[0 .. length) (length ≤ 119), as eight big-endian
   * 32-bit words written into `out` (read them with >>> 0 for unsigned).
   */
  digestInto(tail: Uint8Array, length: number, out: Int32Array): void {
    if (length > 119) throw new RangeError(`a tail of ${length} bytes is over 119`);
    const padded = this.padded;
    const blocks = length + 9 <= 64 ? 1 : 2;
    const end = blocks * 64;
    for (let i = 0; i < length; i++) padded[i] = tail[i] as number;
    padded[length] = 0x80;
    padded.fill(0, length + 1, end - 8);
    const bits = (this.prefixLength + length) * 8;
    const high = Math.floor(bits / 0x100000000);
    padded[end - 8] = high >>> 24;
    padded[end - 7] = high >>> 16;
    padded[end - 6] = high >>> 8;
    padded[end - 5] = high;
    padded[end - 4] = bits >>> 24;
    padded[end - 3] = bits >>> 16;
    padded[end - 2] = bits >>> 8;
    padded[end - 1] = bits;
    out.set(this.midState);
    this.compress(out, padded, 0);
    if (blocks === 2) this.compress(out, padded, 64);
  }

  /** One compression of bytes[at .. at+64) into state. */
  private compress(state: Int32Array, bytes: Uint8Array, at: number): void {
    const w = this.schedule;
    for (let i = 0; i < 16; i++) {
      const j = at + 4 * i;
      w[i] =
        ((bytes[j] as number) << 24) |
        ((bytes[j + 1] as number) << 16) |
        ((bytes[j + 2] as number) << 8) |
        (bytes[j + 3] as number);
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] as number;
      const y = w[i - 2] as number;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
    }
    let a = state[0] as number;
    let b = state[1] as number;
    let c = state[2] as number;
    let d = state[3] as number;
    let e = state[4] as number;
    let f = state[5] as number;
    let g = state[6] as number;
    let h = state[7] as number;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const choice = (e & f) ^ (~e & g);
      const t1 = (h + S1 + choice + (ROUND_CONSTANTS[i] as number) + (w[i] as number)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + majority) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    state[0] = (state[0] as number) + a;
    state[1] = (state[1] as number) + b;
    state[2] = (state[2] as number) + c;
    state[3] = (state[3] as number) + d;
    state[4] = (state[4] as number) + e;
    state[5] = (state[5] as number) + f;
    state[6] = (state[6] as number) + g;
    state[7] = (state[7] as number) + h;
  }
}
