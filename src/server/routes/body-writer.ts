// A response body written piece by piece straight into one growing buffer.
// Joining thousands of strings into a page of megabytes and encoding it on
// the way out costs several times more than writing each piece's UTF-8 once
// (GET /api/v1/station-pages: some 2.5 MB a page).

export class BodyWriter {
  #buf: Buffer;
  #length = 0;

  /** `capacity`: the bytes expected; the buffer grows past it when needed. */
  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(1024, Math.ceil(capacity)));
  }

  write(text: string): this {
    // A UTF-16 code unit is at most 3 bytes of UTF-8.
    const most = this.#length + text.length * 3;
    if (most > this.#buf.length) {
      const next = Buffer.allocUnsafe(Math.max(most, Math.ceil(this.#buf.length * 1.5)));
      this.#buf.copy(next, 0, 0, this.#length);
      this.#buf = next;
    }
    this.#length += this.#buf.write(text, this.#length, 'utf8');
    return this;
  }

  /** The bytes written (a view of the buffer: write no more once taken). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#length);
  }
}
