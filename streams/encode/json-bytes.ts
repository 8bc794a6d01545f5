/**
 * A byte writer for JSON text: the serializer's output buffer. Values are written as UTF-8 bytes
 * straight into a buffer instead of building strings, because string concatenation and re-encoding
 * at write time cost 2-4x more on the hot path (../shared/parquet-arrow.md §2.2-2.4).
 *
 * Filled buffers are handed out (`takeChunks`) and never written again, so a consumer may pass them to
 * `process.stdout.write` or `postMessage` without copying. A buffer is handed out as exactly one chunk,
 * lent (contract/chunk-pool.ts): the stdout writer gives it back once written, and a later writer reuses
 * it. Buffers never come from Node's shared pool, so their ArrayBuffers can be transferred to another
 * thread.
 */
import { giveBackTo, lend, takeBuffer, type GiveBack } from "../contract/chunk-pool.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HEX = "0123456789abcdef";

/** Escape bytes for the 0x00-0x1f controls, `"` and `\`; 0 means "copy as is". */
const ESCAPE_LEN = new Uint8Array(256);
const ESCAPES: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(256);
for (let b = 0; b < 0x20; b++) {
  const short = ({ 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" } as Record<number, string>)[b];
  const text = short ?? "\\u00" + HEX[b >> 4] + HEX[b & 15];
  ESCAPES[b] = Buffer.from(text, "latin1");
}
ESCAPES[QUOTE] = Buffer.from('\\"', "latin1");
ESCAPES[BACKSLASH] = Buffer.from("\\\\", "latin1");
for (let b = 0; b < 256; b++) ESCAPE_LEN[b] = ESCAPES[b]?.length ?? 0;

export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/**
 * Room reserved per record before its fixed-width parts are written. Here rather than in one of the row
 * loops because both serializers (record-serializer.ts and the Arrow loop) reserve it on the same writer.
 */
export const RECORD_RESERVE = 4096;

const NO_BUFFER = Buffer.alloc(0);

export class ByteWriter {
  buf: Buffer;
  pos = 0;
  private readonly chunkBytes: number;
  private readonly giveBack: GiveBack;
  private readonly full: Uint8Array[] = [];
  private moved = 0;

  constructor(chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.chunkBytes = chunkBytes;
    this.giveBack = giveBackTo(chunkBytes);
    this.buf = takeBuffer(chunkBytes);
  }

  /** Guarantees room for `n` more bytes, handing the filled part out (never written again). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.retire();
    // A record longer than a chunk gets a buffer of its own, outside the pool.
    this.buf = n <= this.chunkBytes ? takeBuffer(this.chunkBytes) : Buffer.allocUnsafeSlow(n);
  }

  /** Bytes written since construction. */
  get written(): number {
    return this.moved + this.pos;
  }

  /** True when at least one filled chunk is waiting; checked once per record. */
  get hasFullChunks(): boolean {
    return this.full.length > 0;
  }

  /**
   * Filled chunks so far; with `all`, also the partly filled current buffer, which is then handed out
   * whole (its rest is not written into: a lent buffer belongs to one chunk).
   */
  takeChunks(all: boolean): Uint8Array[] {
    if (all) {
      this.retire();
      this.buf = NO_BUFFER;
    }
    return this.full.splice(0);
  }

  /**
   * Done with the current buffer: its filled part goes to `full` (lent, when the buffer is a pooled one);
   * a pooled buffer with nothing in it goes straight back.
   */
  private retire(): void {
    const pooled = this.buf.length === this.chunkBytes;
    if (this.pos === 0) {
      if (pooled) this.giveBack(this.buf.buffer as ArrayBuffer);
      return;
    }
    const chunk = this.buf.subarray(0, this.pos);
    if (pooled) lend(chunk, this.giveBack);
    this.full.push(chunk);
    this.moved += this.pos;
    this.pos = 0;
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array): void {
    const n = src.length;
    this.ensure(n);
    if (n < 64) {
      const buf = this.buf;
      let p = this.pos;
      for (let k = 0; k < n; k++) buf[p++] = src[k]!;
      this.pos = p;
    } else {
      this.buf.set(src, this.pos);
      this.pos += n;
    }
  }

  /** ASCII-only text (numbers, dates, literals). */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let k = 0; k < n; k++) buf[p++] = s.charCodeAt(k);
    this.pos = p;
  }

  /** Non-negative integer below 2^53, digit by digit (no string allocation). */
  uint(v: number): void {
    this.ensure(16);
    const buf = this.buf;
    if (v < 10) {
      buf[this.pos++] = 48 + v;
      return;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    while (v >= 10) {
      const q = Math.floor(v / 10);
      buf[--p] = 48 + (v - q * 10);
      v = q;
    }
    buf[p - 1] = 48 + v;
  }

  /** Integer with |v| < 2^53. */
  int(v: number): void {
    if (v < 0) {
      this.byte(0x2d);
      this.uint(-v);
    } else this.uint(v);
  }

  /** `n` digits, zero padded (dates, times, fractions). */
  padded(v: number, n: number): void {
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos + n;
    this.pos = p;
    for (let k = 0; k < n; k++) {
      const q = Math.floor(v / 10);
      buf[--p] = 48 + (v - q * 10);
      v = q;
    }
  }

  /** JSON string from UTF-8 bytes `src[start, end)`, escaping `"`, `\` and controls. */
  utf8String(src: Uint8Array, start: number, end: number): void {
    this.ensure((end - start) * 6 + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    for (let k = start; k < end; k++) {
      const b = src[k]!;
      if (ESCAPE_LEN[b] === 0) buf[p++] = b;
      else {
        const e = ESCAPES[b]!;
        for (let q = 0; q < e.length; q++) buf[p++] = e[q]!;
      }
    }
    buf[p++] = QUOTE;
    this.pos = p;
  }

  /** JSON string from a JS string. Same bytes as `JSON.stringify(s)` for well-formed strings. */
  string(s: string): void {
    const n = s.length;
    this.ensure(n * 6 + 2);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = QUOTE;
    let k = 0;
    // ASCII fast path; the first non-ASCII character hands the rest to the native encoder.
    for (; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) break;
      if (ESCAPE_LEN[c] === 0) buf[p++] = c;
      else {
        const e = ESCAPES[c]!;
        for (let q = 0; q < e.length; q++) buf[p++] = e[q]!;
      }
    }
    if (k < n) {
      const rest = JSON.stringify(s.slice(k));
      p += buf.write(rest.slice(1, -1), p, "utf8");
    }
    buf[p++] = QUOTE;
    this.pos = p;
  }

  /** Raw UTF-8 text that is already valid JSON. */
  raw(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }
}

/** Bytes of `"key":` for an output property name. */
export function keyBytes(key: string, leadingComma: boolean): Uint8Array {
  return Buffer.from((leadingComma ? "," : "") + JSON.stringify(key) + ":", "utf8");
}
