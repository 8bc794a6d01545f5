/**
 * The parquet-wasm decode thread (streams/parquet-worker.ts) as the parent sees it: started early if
 * asked (`warm`), given one file at a time (`run`), told which file comes next (`prepare`), and replaced
 * when a file did not end cleanly or its wasm memory grew too big. parquet-reader.ts drives it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { lend } from "../source/chunk-pool.js";
import { TransientError } from "../source/errors.js";
import type { OpenInput } from "./parquet-worker-files.js";
import type { ParquetWorkerCommand, ParquetWorkerInput, ParquetWorkerMessage } from "./parquet-worker.js";

/** Rows per batch unless asked otherwise (a row group's pages are fetched whole, batches are decoded one by one). */
export const DEFAULT_BATCH_ROWS = 16_384;

/** What opening `path` takes (the part of a job's input that `prepare` must match). */
export function openInputOf(path: string, options: { columns?: readonly string[]; startRow?: number; batchSize?: number }): OpenInput {
  return {
    path,
    startRow: Math.max(0, Math.floor(options.startRow ?? 0)),
    batchSize: options.batchSize ?? DEFAULT_BATCH_ROWS,
    ...(options.columns === undefined ? {} : { columns: [...options.columns] }),
  };
}

/** The file cannot be decoded: truncated or corrupt download, or not Parquet at all. */
export class CorruptParquetError extends TransientError {}

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
  #worker: Worker | undefined;
  #job = 0;
  #busy = false;
  /** Threads started so far (tests and the benchmark read it). */
  threadsStarted = 0;
  /** Files whose decode started from what `prepare` opened ahead (tests and the benchmark read it). */
  filesPrepared = 0;

  constructor(options: { wasmCapBytes?: number } = {}) {
    this.#wasmCapBytes = options.wasmCapBytes ?? DEFAULT_WASM_CAP_BYTES;
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
  prepare(path: string, options: { columns?: readonly string[]; batchSize?: number } = {}): void {
    this.#worker?.postMessage({ type: "prepare", input: openInputOf(path, options) } satisfies ParquetWorkerCommand);
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
    const corrupt = (detail: string): CorruptParquetError =>
      new CorruptParquetError(`corrupt or truncated Parquet file: ${name}`, { internal: detail });
    let ended = false;
    let clean = false;
    const onMessage = (m: ParquetWorkerMessage): void => {
      if (m.job !== job) return;
      if (m.type === "end") ended = true;
      push(m.type === "error" ? corrupt(m.message) : m);
    };
    const onError = (err: Error): void => push(corrupt(`${err.name}: ${err.message}`));
    const onExit = (code: number): void => {
      if (signal?.aborted) push(asError(signal.reason));
      else if (!ended) push(corrupt(`decoder thread stopped before the end of the file (exit code ${code})`));
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
        // Written lines go back to this thread's pool (source/chunk-pool.ts), not to the GC.
        if (item.type === "lines") for (const chunk of item.lines) lend(chunk, this.giveBack);
        yield [item, () => post({ type: "encoded", job })];
        post({ type: "credit", job, n: 1 });
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
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
    const worker = new Worker(workerUrl());
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
  return new URL("../dist/streams/parquet-worker.js", import.meta.url);
}
