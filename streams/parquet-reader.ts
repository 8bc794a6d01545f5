/**
 * Reads a downloaded Parquet export file in a worker thread (streams/parquet-worker.ts), one row group
 * at a time, with at most `inFlight` batches between the worker and the consumer. Memory is bounded
 * by one row group in the worker plus the batches in flight, whatever the file size.
 *
 * Two shapes:
 * - `readParquetFile` yields apache-arrow RecordBatches (the worker decodes, this thread serializes);
 * - `readParquetRecords` yields `Batch`es for one stream schema. The worker decodes and shares the
 *   serializing with this thread: batches this thread can take now come as Arrow (serialized here,
 *   lazily, when the runtime encodes them); the rest come serialized by the worker, and this thread
 *   only adds the RECORD framing. Both cores stay busy; see bench/decode.ts for the numbers.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { tableFromIPC, type RecordBatch } from "apache-arrow";
import { TransientError } from "../source/errors.js";
import type { ParquetWorkerInput, ParquetWorkerMessage } from "./parquet-worker.js";
import { compileSerializer, fromDataLines, type OutputColumn } from "./record-serializer.js";
import type { Batch, RecordFraming } from "./types.js";

export interface ParquetReadOptions {
  /** Projection by Parquet column name; absent = all columns. */
  readonly columns?: readonly string[];
  /** Rows to skip from the start of the file (resume); whole row groups are not even decoded. */
  readonly startRow?: number;
  /** Rows per batch (a row group is decoded whole regardless; this only slices it). */
  readonly batchSize?: number;
  /** Batches decoded ahead of the consumer. */
  readonly inFlight?: number;
  /**
   * readParquetRecords only: batches left for this thread to serialize while it keeps up (0 = the
   * worker serializes everything). Default 2: both threads stay busy on two cores.
   */
  readonly shareBelow?: number;
  /**
   * readParquetRecords only: the framing the runtime will most likely pass to `encode` (e.g. one
   * emitted_at per stream). The worker then writes final RECORD lines, and `encode` with a
   * byte-equal framing hands them out as they are; any other framing is still honoured (re-framed).
   */
  readonly framing?: RecordFraming;
  readonly signal?: AbortSignal;
  /** Called once with the file's row count and row-group sizes, before the first batch. */
  readonly onMeta?: (meta: { numRows: number; rowGroups: number[] }) => void;
}

/** The file cannot be decoded: truncated or corrupt download, or not Parquet at all. */
export class CorruptParquetError extends TransientError {}

export async function* readParquetFile(path: string, options: ParquetReadOptions = {}): AsyncGenerator<RecordBatch> {
  for await (const [m] of runWorker(path, options, undefined)) {
    if (m.type !== "ipc") continue;
    const batch = tableFromIPC(m.ipc).batches[0];
    if (batch === undefined) continue;
    yield m.skip > 0 ? batch.slice(m.skip) : batch;
  }
}

export async function* readParquetRecords(
  path: string,
  columns: readonly OutputColumn[],
  options: ParquetReadOptions = {},
): AsyncGenerator<Batch> {
  const serializer = compileSerializer(columns);
  for await (const [m, post] of runWorker(path, options, columns)) {
    if (m.type === "lines") yield fromDataLines(m.lines, m.count, { framedWith: options.framing });
    else if (m.type === "ipc") {
      const batch = tableFromIPC(m.ipc).batches[0];
      const inner = batch === undefined ? fromDataLines([], 0) : serializer.fromArrow(batch, m.skip);
      // Tell the worker when this thread has done its share, so it knows whether to share the next.
      yield {
        kind: "batch",
        count: inner.count,
        *encode(framing) {
          try {
            yield* inner.encode(framing);
          } finally {
            post({ type: "encoded" });
          }
        },
      };
    }
  }
}

async function* runWorker(
  path: string,
  options: ParquetReadOptions,
  serialize: readonly OutputColumn[] | undefined,
): AsyncGenerator<[ParquetWorkerMessage, (m: { type: "encoded" }) => void]> {
  const name = basename(path);
  const input: ParquetWorkerInput = {
    path,
    startRow: Math.max(0, Math.floor(options.startRow ?? 0)),
    batchSize: options.batchSize ?? (serialize === undefined ? 65_536 : 16_384),
    ...(options.columns === undefined ? {} : { columns: [...options.columns] }),
    ...(serialize === undefined ? {} : { serialize: serialize.map((c) => ({ ...c })), shareBelow: options.shareBelow ?? 2 }),
    ...(serialize === undefined || options.framing === undefined ? {} : { framing: checkedFraming(options.framing) }),
  };
  const worker = new Worker(workerUrl(), { workerData: input });
  const queue: (ParquetWorkerMessage | Error)[] = [];
  let notify: (() => void) | undefined;
  const push = (item: ParquetWorkerMessage | Error): void => {
    queue.push(item);
    notify?.();
  };
  const corrupt = (detail: string): CorruptParquetError =>
    new CorruptParquetError(`corrupt or truncated Parquet file: ${name}`, { internal: detail });
  let ended = false;
  worker.on("message", (m: ParquetWorkerMessage) => {
    if (m.type === "end") ended = true;
    push(m.type === "error" ? corrupt(m.message) : m);
  });
  worker.on("error", (err) => push(corrupt(`${err.name}: ${err.message}`)));
  worker.on("exit", (code) => {
    if (options.signal?.aborted) push(asError(options.signal.reason));
    else if (!ended) push(corrupt(`decoder thread stopped before the end of the file (exit code ${code})`));
    push({ type: "end" });
  });
  const onAbort = (): void => void worker.terminate();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  worker.postMessage({ type: "credit", n: Math.max(1, options.inFlight ?? (serialize === undefined ? 2 : 4)) });
  try {
    for (;;) {
      while (queue.length === 0) {
        if (options.signal?.aborted) throw asError(options.signal.reason);
        await new Promise<void>((resolve) => (notify = resolve));
        notify = undefined;
      }
      const item = queue.shift()!;
      if (item instanceof Error) throw item;
      if (item.type === "end") return;
      if (item.type === "meta") {
        options.onMeta?.({ numRows: item.numRows, rowGroups: item.rowGroups });
        continue;
      }
      yield [item, (m) => worker.postMessage(m)];
      worker.postMessage({ type: "credit", n: 1 });
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    ended = true;
    await worker.terminate(); // releases the wasm memory
  }
}

function checkedFraming(f: RecordFraming): { prefix: Uint8Array; suffix: Uint8Array } {
  const nl = (b: Uint8Array): number => b.reduce((n, x) => n + (x === 0x0a ? 1 : 0), 0);
  if (nl(f.prefix) !== 0 || nl(f.suffix) !== 1 || f.suffix[f.suffix.length - 1] !== 0x0a) {
    throw new Error("readParquetRecords: framing.suffix must end in the only newline of the framing");
  }
  return { prefix: Uint8Array.from(f.prefix), suffix: Uint8Array.from(f.suffix) };
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
