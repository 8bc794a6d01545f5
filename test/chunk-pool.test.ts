/**
 * Output buffers are lent and given back once written (contract/chunk-pool.ts): the serializer's next
 * records reuse them, and nothing is reused before the stream is done with it.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { lend, pooledCount, returnChunk, takeBuffer } from "../streams/contract/chunk-pool.js";
import { OutputWriter } from "../source/output.js";
import { ByteWriter } from "../streams/encode/json-bytes.js";

/** A stream that holds each write's completion until `complete()` (or fails it with `fail()`). */
class HeldWritable extends Writable {
  readonly received: Buffer[] = [];
  private pending: ((err?: Error | null) => void)[] = [];
  constructor() {
    super({ highWaterMark: 1 << 30 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.received.push(Buffer.from(chunk)); // a copy: what the OS would have taken
    this.pending.push(callback);
  }
  complete(): void {
    for (const cb of this.pending.splice(0)) cb();
  }
  fail(): void {
    for (const cb of this.pending.splice(0)) cb(new Error("EPIPE"));
  }
}

/** A distinct size per test, so the per-thread pools of one test do not see another's buffers. */
let nextSize = 300_000;
const freshSize = (): number => (nextSize += 4096);

/** The chunks of a ByteWriter of `size`-byte buffers that wrote `texts` in turn. */
function filledChunks(size: number, ...texts: string[]): Uint8Array[] {
  const w = new ByteWriter(size);
  for (const text of texts) w.ascii(text);
  return w.takeChunks(true);
}

describe("chunk pool", () => {
  it("a ByteWriter's chunks come back to the pool only through returnChunk, once, and the next writer reuses them", () => {
    const size = freshSize();
    const long = "x".repeat(size - 10);
    const chunks = filledChunks(size, long, long, long);
    expect(chunks.length).toBe(3); // each text overflowed into a buffer of its own
    expect(new Set(chunks.map((c) => c.buffer)).size).toBe(3); // one chunk per buffer
    expect(pooledCount(size)).toBe(0);
    for (const c of chunks) returnChunk(c);
    expect(pooledCount(size)).toBe(3);
    returnChunk(chunks[0]!); // twice: ignored, the buffer is not lent any more
    expect(pooledCount(size)).toBe(3);
    const reused = takeBuffer(size);
    expect(chunks.map((c) => c.buffer)).toContain(reused.buffer);
    expect(pooledCount(size)).toBe(2);
  });

  it("a chunk nobody lent is left alone; a lent one goes to its own lender", () => {
    const size = freshSize();
    returnChunk(Buffer.alloc(size));
    expect(pooledCount(size)).toBe(0);
    const back: ArrayBuffer[] = [];
    const chunk = new Uint8Array(new ArrayBuffer(64), 8, 16);
    lend(chunk, (b) => back.push(b));
    returnChunk(chunk);
    expect(back).toEqual([chunk.buffer]);
  });

  it("after takeChunks(true) the rest of a buffer is never written: the next bytes go to another buffer", () => {
    const size = freshSize();
    const w = new ByteWriter(size);
    w.ascii("first");
    const [first] = w.takeChunks(true);
    w.ascii("second");
    const [second] = w.takeChunks(true);
    expect(Buffer.from(first!).toString()).toBe("first");
    expect(second!.buffer).not.toBe(first!.buffer);
  });
});

describe("output writer gives chunks back", () => {
  it("only after the stream reports the write done, with the bytes intact, and a buffer reused after that writes new bytes", async () => {
    const size = freshSize();
    const sink = new HeldWritable();
    const out = new OutputWriter(sink, { highWaterBytes: 1 });
    const [a] = filledChunks(size, "a".repeat(100_000));
    out.enqueue(a!);
    const flushed = out.flush();
    await new Promise((r) => setImmediate(r));
    expect(pooledCount(size)).toBe(0); // written, but not yet done: still the stream's
    sink.complete();
    await flushed;
    await new Promise((r) => setImmediate(r));
    expect(pooledCount(size)).toBe(1);
    const [b] = filledChunks(size, "b".repeat(100_000)); // reuses a's buffer
    expect(b!.buffer).toBe(a!.buffer);
    out.enqueue(b!);
    const second = out.flush();
    sink.complete();
    await second;
    expect(sink.received.map((r) => r.toString())).toEqual(["a".repeat(100_000), "b".repeat(100_000)]);
  });

  it("small chunks are given back as soon as they are copied into one write; a failed write keeps its chunk", async () => {
    const size = freshSize();
    const sink = new HeldWritable();
    const out = new OutputWriter(sink, { highWaterBytes: 1 << 20 });
    const small = [...filledChunks(size, "s".repeat(100)), ...filledChunks(size, "t".repeat(100))];
    for (const c of small) out.enqueue(c);
    const p = out.flush();
    await new Promise((r) => setImmediate(r));
    expect(pooledCount(size)).toBe(2); // copied into one buffer: back before the write completes
    sink.complete();
    await p;
    expect(sink.received.map((r) => r.toString())).toEqual(["s".repeat(100) + "t".repeat(100)]);

    const [big] = filledChunks(size, "f".repeat(100_000));
    out.enqueue(big!);
    const q = out.flush();
    await q;
    sink.fail();
    await new Promise((r) => setImmediate(r));
    expect(out.error?.message).toBe("EPIPE");
    expect(pooledCount(size)).toBe(1); // the failed chunk was not given back (one of the two went to `big`)
  });
});
