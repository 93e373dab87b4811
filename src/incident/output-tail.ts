/**
 * The last `limit` bytes of a stream of chunks, kept in bounded memory: a
 * command that prints for an hour costs no more than one that prints a line.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** True when earlier output was cut off. */
  get truncated(): boolean {
    return this.dropped > 0;
  }

  /** The kept bytes as UTF-8; a character cut in half at the start is dropped rather than shown as garbage. */
  text(): string {
    return Buffer.concat(this.chunks)
      .toString('utf8')
      .replace(this.truncated ? /^\uFFFD+/ : /^$/, '');
  }
}
