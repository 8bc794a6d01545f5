/**
 * Output chunks are lent, not given: the serializer writes records into buffers of a few sizes, the
 * stdout writer hands each chunk to the OS, and once that write has completed it gives the buffer back
 * to whoever lent it, so the next records are written into the same memory.
 *
 * Why: a sync writes hundreds of MB of RECORD lines. Fresh buffers for all of it are external memory
 * to V8, and every ~64 MB of it starts a full mark-compact: measured on a 1 M-row export, 65 of them
 * in 4.5 s, ≈ 1 CPU-second of GC threads competing with the serializer for the same 2 cores.
 *
 * Safety rests on two rules. Only the stdout writer gives chunks back, and only after the write's
 * completion callback (output.ts); a chunk that goes anywhere else (a test, a re-framing copy) is
 * never given back and is simply garbage collected. A buffer is lent as exactly one chunk: the byte
 * writer never writes into a buffer again once part of it was handed out (json-bytes.ts).
 *
 * State is per thread (each worker has its own module instance), as buffers are.
 */

/** Who takes a lent buffer back. */
export type GiveBack = (buffer: ArrayBuffer) => void;

const lenders = new WeakMap<ArrayBuffer, GiveBack>();

/** Marks `chunk` as lent: when it has been written, `giveBack` receives its whole ArrayBuffer. */
export function lend(chunk: Uint8Array, giveBack: GiveBack): void {
  lenders.set(chunk.buffer as ArrayBuffer, giveBack);
}

/**
 * Called by the stdout writer once `chunk`'s bytes are written (or copied elsewhere). Returns its buffer
 * to its lender, if it was lent; the caller must not touch `chunk` afterwards.
 */
export function returnChunk(chunk: Uint8Array): void {
  const buffer = chunk.buffer as ArrayBuffer;
  const giveBack = lenders.get(buffer);
  if (giveBack === undefined) return;
  lenders.delete(buffer);
  giveBack(buffer);
}

/** Buffers kept per size at most (bytes); beyond that a returned buffer is left to the GC. */
const POOL_BYTES = 32 * 1024 * 1024;

/** Free buffers of one size, reused before a new one is allocated. */
class SizePool {
  readonly #free: ArrayBuffer[] = [];
  readonly #max: number;

  constructor(readonly size: number) {
    this.#max = Math.max(2, Math.floor(POOL_BYTES / size));
  }

  take(): Buffer {
    const reused = this.#free.pop();
    // allocUnsafeSlow: never Node's shared 8 KB pool, so the buffer can be transferred to another thread
    return reused === undefined ? Buffer.allocUnsafeSlow(this.size) : Buffer.from(reused);
  }

  get free(): number {
    return this.#free.length;
  }

  readonly put: GiveBack = (buffer) => {
    if (buffer.byteLength === this.size && this.#free.length < this.#max) this.#free.push(buffer);
  };
}

const pools = new Map<number, SizePool>();

function poolOf(size: number): SizePool {
  let pool = pools.get(size);
  if (pool === undefined) pools.set(size, (pool = new SizePool(size)));
  return pool;
}

/** A buffer of `size` bytes, reused if one was given back; `lend` its chunk with `giveBackTo(size)`. */
export function takeBuffer(size: number): Buffer {
  return poolOf(size).take();
}

/** The lender that puts buffers of `size` bytes back into this thread's pool. */
export function giveBackTo(size: number): GiveBack {
  return poolOf(size).put;
}

/**
 * Puts a buffer received from another thread (one of this thread's own, sent back after writing) into
 * this thread's pool of its size; a size this thread never allocated is left to the GC.
 */
export function adoptBuffer(buffer: ArrayBuffer): void {
  pools.get(buffer.byteLength)?.put(buffer);
}

/** Free buffers of `size` bytes held for reuse (tests read it). */
export function pooledCount(size: number): number {
  return pools.get(size)?.free ?? 0;
}
