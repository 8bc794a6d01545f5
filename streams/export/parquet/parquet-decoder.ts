/**
 * The parquet-wasm decode thread (streams/export/parquet/parquet-worker.ts) as the parent sees it: started early if
 * asked (`warm`), given one file at a time (`run`), told which file comes next (`prepare`), and replaced
 * when a file did not end cleanly or its wasm memory grew too big. parquet-reader.ts drives it.
 *
 * How a file's decode failed decides the error: the file's bytes (CorruptParquetError, transient: the
 * caller downloads it again, a bounded number of times), our own code (ParquetDecodeBugError) or memory
 * (ParquetDecodeMemoryError), both system errors that no new download can fix.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker, type ResourceLimits } from "node:worker_threads";
import { lend } from "../../contract/chunk-pool.js";
import { SystemError, TransientError } from "../../contract/errors.js";
import { sourceKey, type FileSource, type OpenInput } from "./parquet-source.js";
import type { FailureKind } from "./parquet-failure.js";
import type { ParquetWorkerCommand, ParquetWorkerInput, ParquetWorkerMessage } from "./parquet-worker.js";

/** Rows per batch unless asked otherwise (a row group's pages are fetched whole, batches are decoded one by one). */
export const DEFAULT_BATCH_ROWS = 16_384;

/** What opening `file` takes (the part of a job's input that `prepare` must match). */
export function openInputOf(file: FileSource, options: { columns?: readonly string[]; startRow?: number; batchSize?: number }): OpenInput {
  return {
    // A plain copy: a TempFile may be passed as a source, and only its descriptor and id cross threads.
    file: typeof file === "string" ? file : { fd: file.fd, id: file.id },
    startRow: Math.max(0, Math.floor(options.startRow ?? 0)),
    batchSize: options.batchSize ?? DEFAULT_BATCH_ROWS,
    ...(options.columns === undefined ? {} : { columns: [...options.columns] }),
  };
}

/** The file cannot be decoded: truncated or corrupt download, or not Parquet at all. */
export class CorruptParquetError extends TransientError {}

/** The decode thread failed on our own code, not on the file: a new download would fail the same way. */
export class ParquetDecodeBugError extends SystemError {}

/** The decode thread ran out of memory: the heap limit, or WebAssembly's 4 GiB. */
export class ParquetDecodeMemoryError extends SystemError {}

/** The error for a decode of `name` that failed this way (`detail`: what the thread said). */
export function decodeFailure(kind: FailureKind | "heap", name: string, detail: string): Error {
  switch (kind) {
    case "corrupt":
      return new CorruptParquetError(`corrupt or truncated Parquet file: ${name}`, { internal: detail });
    case "bug":
      return new ParquetDecodeBugError(`Decoding ${name} failed on a bug in the connector, not on the file; please report it with this error`, { internal: detail });
    case "heap":
      return new ParquetDecodeMemoryError(
        `Decoding ${name} ran out of memory (the Parquet decode thread reached the heap limit). Give the connector more memory (the container's limit, AIRBYTE_HEAP_PERCENT, or --max-old-space-size in NODE_OPTIONS), or read this stream with export_format "json" or read_mode "rows"`,
        { internal: detail },
      );
    case "memory":
      return new ParquetDecodeMemoryError(
        `Decoding ${name} ran out of memory: a row group of this file needs more than the decoder's 4 GiB of WebAssembly memory, whatever memory the connector has. Read this stream with export_format "json" or read_mode "rows", or select fewer columns`,
        { internal: detail },
      );
  }
}

export interface ParquetDecoderOptions {
  /** wasm memory past which the thread is replaced after its file (default DEFAULT_WASM_CAP_BYTES). */
  readonly wasmCapBytes?: number;
  /** Heap limits of the thread; absent = Node's defaults (those of the process). */
  readonly resourceLimits?: ResourceLimits;
  /** The thread's module; absent = parquet-worker.js. Tests give one that wraps it. */
  readonly threadModule?: URL;
}

/** wasm memory never shrinks: past this, the thread is ended after its file and the next file gets a new one. */
export const DEFAULT_WASM_CAP_BYTES = 256 * 1024 * 1024;

/**
 * One parquet-wasm decode thread, reused for file after file (compiling and warming wasm costs about a
 * CPU-second per thread). It is replaced by a fresh one after any file that did not end cleanly (corrupt
 * input, wasm panic, abort, a consumer that stopped early) or once its wasm memory passes `wasmCapBytes`.
 * One file at a time; `close()` ends the thread (call it in a `finally`).
 */
export class ParquetDecoder {
  readonly #wasmCapBytes: number;
  readonly #options: ParquetDecoderOptions;
  #worker: Worker | undefined;
  /** Descriptor files the live thread was told to open ahead and has not run since: it may read them. */
  #prepared = new Set<string>();
  #job = 0;
  #busy = false;
  /** Threads started so far (tests and the benchmark read it). */
  threadsStarted = 0;
  /** Files whose decode started from what `prepare` opened ahead (tests and the benchmark read it). */
  filesPrepared = 0;

  constructor(options: ParquetDecoderOptions = {}) {
    this.#wasmCapBytes = options.wasmCapBytes ?? DEFAULT_WASM_CAP_BYTES;
    this.#options = options;
  }

  /**
   * Starts the thread now, without a file, so that compiling parquet-wasm (about a CPU-second) overlaps
   * with something else, e.g. waiting for the export to be built; the first file then finds it ready.
   * A thread waiting for its first file does not keep the process alive; close() still ends it.
   */
  warm(): this {
    if (this.#worker === undefined) {
      this.#worker = this.#start();
      this.#worker.unref();
    }
    return this;
  }

  /**
   * Names the file that will most likely be decoded next, from its first row (e.g. the export file
   * just downloaded ahead): a live thread with nothing else to do opens it and decodes its first row
   * group, so that file's `run` starts without that wait (parquet-worker-files.ts says why it matters).
   * Only a hint: a thread that is not alive is not started for it, and another file's run simply
   * discards it. `options` must be those the run will use.
   */
  prepare(file: FileSource, options: { columns?: readonly string[]; batchSize?: number } = {}): void {
    if (this.#worker === undefined) return;
    if (typeof file !== "string") this.#prepared.add(sourceKey(file));
    this.#worker.postMessage({ type: "prepare", input: openInputOf(file, options) } satisfies ParquetWorkerCommand);
  }

  /**
   * Resolves once the thread can no longer read `file`, so its descriptor may be closed (a closed
   * number is soon another file's, or a socket's). Only a file named to `prepare` and not run since
   * can still be read by the thread; then the thread is ended (the next file starts a new one).
   */
  async release(file: FileSource): Promise<void> {
    if (typeof file !== "string" && this.#prepared.has(sourceKey(file))) await this.close();
  }

  /**
   * Sends a written `lines` buffer back to the thread that filled it, to fill again (a thread that has
   * ended since simply lets it go).
   */
  readonly giveBack = (buffer: ArrayBuffer): void => {
    this.#worker?.postMessage({ type: "buffers", buffers: [buffer] } satisfies ParquetWorkerCommand, [buffer]);
  };

  /** Whether a thread is alive (between files it waits for the next one). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#prepared.clear();
    await worker?.terminate();
  }

  /** Decodes one file: the worker's messages, each with a way to answer it (`encoded`). */
  async *run(input: ParquetWorkerInput, name: string, signal: AbortSignal | undefined, inFlight: number): AsyncGenerator<[ParquetWorkerMessage, () => void]> {
    if (this.#busy) throw new Error("ParquetDecoder: one file at a time");
    this.#busy = true;
    const job = ++this.#job;
    const worker = (this.#worker ??= this.#start());
    worker.ref(); // while a file is read, this thread waits on the worker's messages
    const queue: (ParquetWorkerMessage | Error)[] = [];
    let notify: (() => void) | undefined;
    const push = (item: ParquetWorkerMessage | Error): void => {
      queue.push(item);
      notify?.();
    };
    let ended = false;
    let clean = false;
    const onMessage = (m: ParquetWorkerMessage): void => {
      if (m.job !== job) return;
      if (m.type === "end") ended = true;
      push(m.type === "error" ? decodeFailure(m.kind, name, m.message) : m);
    };
    // What the thread could not report itself: its heap limit, or a failure before its handlers.
    const onError = (err: Error & { code?: unknown }): void => {
      const kind = err.code === "ERR_WORKER_OUT_OF_MEMORY" ? "heap" : err.name === "RuntimeError" ? "corrupt" : "bug";
      push(decodeFailure(kind, name, `${err.name}: ${err.message}`));
    };
    const onExit = (code: number): void => {
      if (signal?.aborted) push(asError(signal.reason));
      else if (!ended) push(decodeFailure("corrupt", name, `decoder thread stopped before the end of the file (exit code ${code})`));
      push({ job, type: "end", wasmBytes: 0 });
    };
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
    const post = (m: ParquetWorkerCommand): void => worker.postMessage(m);
    const onAbort = (): void => void worker.terminate();
    signal?.addEventListener("abort", onAbort, { once: true });
    post({ type: "open", job, input });
    post({ type: "credit", job, n: Math.max(1, inFlight) });
    try {
      for (;;) {
        while (queue.length === 0) {
          if (signal?.aborted) throw asError(signal.reason);
          await new Promise<void>((resolve) => (notify = resolve));
          notify = undefined;
        }
        const item = queue.shift()!;
        if (item instanceof Error) throw item;
        if (item.type === "end") {
          clean = ended && item.wasmBytes > 0 && item.wasmBytes <= this.#wasmCapBytes;
          return;
        }
        if (item.type === "meta") {
          if (item.prepared) this.filesPrepared++;
          yield [item, () => undefined];
          continue;
        }
        // Written lines go back to this thread's pool (contract/chunk-pool.ts), not to the GC.
        if (item.type === "lines") for (const chunk of item.lines) lend(chunk, this.giveBack);
        yield [item, () => post({ type: "encoded", job })];
        post({ type: "credit", job, n: 1 });
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      this.#prepared.delete(sourceKey(input.file)); // its run opened it, or dropped what was opened ahead
      this.#busy = false;
      if (clean) worker.unref();
      else {
        // Mid-file, failed, panicked or grown past the cap: this thread is not reused (releases its wasm memory).
        if (this.#worker === worker) this.#worker = undefined;
        await worker.terminate();
      }
    }
  }

  #start(): Worker {
    this.threadsStarted++;
    this.#prepared.clear();
    const worker = new Worker(this.#options.threadModule ?? workerUrl(), {
      ...(this.#options.resourceLimits !== undefined && { resourceLimits: this.#options.resourceLimits }),
    });
    // A thread that dies between files is simply replaced by the next file.
    worker.on("error", () => undefined).on("exit", () => {
      if (this.#worker === worker) this.#worker = undefined;
    });
    return worker;
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error("aborted");
}

/** The compiled worker next to this module; from TypeScript sources (tests), the one in dist/. */
function workerUrl(): URL {
  const here = new URL("./parquet-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL("../../../dist/streams/export/parquet/parquet-worker.js", import.meta.url);
}
