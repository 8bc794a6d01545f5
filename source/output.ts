/**
 * The single writer of stdout. Messages are appended to an in-memory chunk list and written as one
 * large buffer once it passes `highWaterBytes`; a flush waits for 'drain' when the pipe is full, so
 * memory stays bounded when the consumer is slow. Nobody else writes to stdout.
 *
 * Chunks lent by the serializer (chunk-pool.ts) are given back once the stream reports their write
 * done, or right away when they were copied into a bigger one.
 */
import type { Writable } from "node:stream";
import { returnChunk } from "../streams/contract/chunk-pool.js";
import type { AirbyteMessage } from "./messages.js";

const encoder = new TextEncoder();

/** Anything written as one JSON line: an Airbyte message, or a Singer one (source/singer/messages.ts). */
export type WireMessage = AirbyteMessage | { readonly type: string };

/** One NDJSON line. JSON.stringify never emits a raw newline, so a message can never span lines. */
const line = (message: WireMessage): Uint8Array => encoder.encode(`${JSON.stringify(message)}\n`);

export interface OutputOptions {
  /** Bytes buffered before a write is issued (and awaited). */
  highWaterBytes?: number;
}

export class OutputWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Serialises flushes: each waits for the previous write (and its 'drain'). */
  private pending: Promise<void> = Promise.resolve();
  private scheduled = false;
  private broken: Error | undefined;
  private readonly highWater: number;
  private bytesWritten = 0;

  constructor(
    private readonly stream: Writable,
    options: OutputOptions = {},
  ) {
    this.highWater = options.highWaterBytes ?? 1 << 20;
    // EPIPE and friends: the reader is gone. Remember it, stop writing, let the caller decide.
    stream.on("error", (err: Error) => {
      this.broken ??= err;
    });
  }

  /** The consumer closed stdout (EPIPE); the runtime stops reading when this is set. */
  get error(): Error | undefined {
    return this.broken;
  }

  get totalBytes(): number {
    return this.bytesWritten + this.size;
  }

  /** Queue bytes without awaiting; callers on the hot path follow up with `maybeFlush()`. */
  enqueue(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    this.chunks.push(bytes);
    this.size += bytes.byteLength;
  }

  /** Queue one message. Used from synchronous callbacks (logs, events): a flush follows soon. */
  send(message: WireMessage): void {
    this.enqueue(line(message));
    this.scheduleFlush();
  }

  /** Queue a message and apply backpressure. */
  async write(message: WireMessage): Promise<void> {
    this.enqueue(line(message));
    await this.maybeFlush();
  }

  /** Write when enough is buffered; otherwise only wait for an in-flight write that is still draining. */
  maybeFlush(): Promise<void> {
    if (this.size >= this.highWater) return this.flush();
    return this.pending;
  }

  /** Write everything buffered and resolve once the stream accepted it (after 'drain' if needed). */
  flush(): Promise<void> {
    if (this.size > 0) {
      const parts = coalesce(this.chunks);
      this.chunks = [];
      this.bytesWritten += this.size;
      this.size = 0;
      this.pending = this.pending.then(() => this.writeOut(parts));
    }
    return this.pending;
  }

  /**
   * Flush and wait until the stream has handed every byte to the OS (a zero-length write's callback
   * runs after all earlier writes), so exiting afterwards cannot lose output.
   */
  async end(): Promise<void> {
    await this.flush();
    if (this.broken !== undefined) return;
    await new Promise<void>((resolve) => this.stream.write(new Uint8Array(0), () => resolve()));
  }

  /** Small messages from timers or callbacks must not sit in the buffer while a stream waits. */
  private scheduleFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  /** One write (several chunks become one writev through cork/uncork), resolved after 'drain' if needed. */
  private writeOut(parts: readonly Uint8Array[]): Promise<void> {
    if (this.broken !== undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const written = (part: Uint8Array) => (err: Error | null | undefined): void => {
        // After an error no 'drain' comes: resolve here so the runtime never hangs on a dead pipe.
        // A chunk whose write failed is not given back: nothing says the stream is done with it.
        if (err) {
          this.broken ??= err;
          resolve();
        } else returnChunk(part);
      };
      let ok = true;
      if (parts.length > 1) this.stream.cork();
      for (const part of parts) ok = this.stream.write(part, written(part));
      if (parts.length > 1) this.stream.uncork();
      if (ok) resolve();
      else this.stream.once("drain", resolve);
    });
  }
}

/** Chunks at least this big are written as they are (no copy); smaller neighbours are merged. */
const DIRECT_BYTES = 64 * 1024;

/**
 * Large encoded batches go to the kernel without a copy; runs of small pieces (log lines, framing from
 * a naive encoder) are merged so a write never carries thousands of tiny buffers.
 */
function coalesce(chunks: readonly Uint8Array[]): Uint8Array[] {
  if (chunks.length === 1) return [chunks[0]!];
  const out: Uint8Array[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const closeRun = (): void => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) {
      out.push(Buffer.concat(run, runBytes));
      for (const chunk of run) returnChunk(chunk); // copied
    }
    run = [];
    runBytes = 0;
  };
  for (const chunk of chunks) {
    if (chunk.byteLength >= DIRECT_BYTES) {
      closeRun();
      out.push(chunk);
    } else {
      run.push(chunk);
      runBytes += chunk.byteLength;
    }
  }
  closeRun();
  return out;
}
