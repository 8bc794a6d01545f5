/**
 * Reads a downloaded Parquet export file in a worker thread (streams/export/parquet/parquet-worker.ts), one row group
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
import { basename } from "node:path";
import { tableFromIPC, type RecordBatch } from "apache-arrow";
import { ParquetDecoder, openInputOf } from "./parquet-decoder.js";
import type { ParquetWorkerInput, ParquetWorkerMessage } from "./parquet-worker.js";
import type { FileSource } from "./parquet-source.js";
import { maxTimestampText } from "./arrow-cursor.js";
import { compileArrowSerializer } from "../../encode/arrow-serializer.js";
import { fromDataLines, type OutputColumn } from "../../encode/record-serializer.js";
import type { Batch, RecordFraming } from "../../contract/stream.js";

export { CorruptParquetError, DEFAULT_WASM_CAP_BYTES, ParquetDecodeBugError, ParquetDecodeMemoryError, ParquetDecoder } from "./parquet-decoder.js";

/** A path, or an open file of this process (an export's nameless temp file, export-temp.ts). */
export type ParquetSource = FileSource;

export interface ParquetReadOptions {
  /** Projection by Parquet column name; absent = all columns. */
  readonly columns?: readonly string[];
  /** Rows to skip from the start of the file (resume); whole row groups are not even decoded. */
  readonly startRow?: number;
  /** Rows per batch (default 16 384; a row group's pages are fetched whole, batches are decoded one by one). */
  readonly batchSize?: number;
  /**
   * Batches decoded ahead of the consumer (default 2 for Arrow batches; 8 for records, so that with
   * `shareBelow` of them waiting for this thread the worker still has room to serialize ahead).
   */
  readonly inFlight?: number;
  /**
   * readParquetRecords only: batches left for this thread to serialize while it keeps up (0 = the
   * worker serializes everything). Default 5: the worker only decides where a batch goes between two
   * batches of its own, and decodes a whole row group (~70 ms per 100 k rows) before its next batch, so
   * this thread keeps that much work queued and does not idle. With 5 (and 8 in flight) both threads
   * spend the same CPU (1.08 s each per 1 M rows); with 3 the decode thread did 1.36 s and this one
   * 0.76 s, and the read took as long as the busier one (measured with the CLI, per-thread CPU).
   */
  readonly shareBelow?: number;
  /**
   * readParquetRecords only: the framing to write these records with (from ReadContext.recordFraming()).
   * The worker then writes final RECORD lines, and every batch carries it as `Batch.framing`, so the
   * runtime writes the worker's bytes as they are; `encode` with any other framing is still honoured
   * (re-framed on this thread).
   */
  readonly framing?: RecordFraming;
  readonly signal?: AbortSignal;
  /**
   * The decode thread to use (one per export, reused across its files); absent = a thread of its own
   * for this file, ended with it.
   */
  readonly decoder?: ParquetDecoder;
  /** Called once with the file's row count and row-group sizes, before the first batch. */
  readonly onMeta?: (meta: { numRows: number; rowGroups: number[] }) => void;
  /** The file's name in errors; absent = the path's last part (a descriptor has no name of its own). */
  readonly name?: string;
}

export async function* readParquetFile(source: ParquetSource, options: ParquetReadOptions = {}): AsyncGenerator<RecordBatch> {
  for await (const [m] of runWorker(source, options, undefined)) {
    if (m.type !== "ipc") continue;
    const batch = tableFromIPC(m.ipc).batches[0];
    if (batch === undefined) continue;
    yield m.skip > 0 ? batch.slice(m.skip) : batch;
  }
}

export async function* readParquetRecords(
  source: ParquetSource,
  columns: readonly OutputColumn[],
  options: ParquetReadOptions = {},
): AsyncGenerator<Batch> {
  for await (const { batch } of readParquetCursorRecords(source, columns, undefined, options)) yield batch;
}

/**
 * `readParquetRecords`, each batch with the highest value of `cursorColumn` (epoch ms) among its rows
 * (-Infinity without a column): the worker takes it from the values it serializes, so a stream with a
 * cursor keeps both cores busy like one without.
 */
export async function* readParquetCursorRecords(
  source: ParquetSource,
  columns: readonly OutputColumn[],
  cursorColumn: string | undefined,
  options: ParquetReadOptions = {},
): AsyncGenerator<{ batch: Batch; maxUpdatedAt: string | undefined }> {
  const serializer = compileArrowSerializer(columns);
  const framing = options.framing === undefined ? {} : { framing: options.framing };
  for await (const [m, post] of runWorker(source, options, columns, cursorColumn)) {
    if (m.type === "lines") {
      const lines = fromDataLines(m.lines, m.count, { framedWith: options.framing });
      yield { batch: { kind: "batch", count: lines.count, ...framing, encode: (f) => lines.encode(f) }, maxUpdatedAt: m.maxUpdatedAt };
    } else if (m.type === "ipc") {
      const batch = tableFromIPC(m.ipc).batches[0];
      const inner = batch === undefined ? fromDataLines([], 0) : serializer.fromArrow(batch, m.skip);
      const maxUpdatedAt = batch === undefined || cursorColumn === undefined ? undefined : maxTimestampText(batch, cursorColumn, m.skip);
      // Tell the worker when this thread has done its share, so it knows whether to share the next.
      const shared: Batch = {
        kind: "batch",
        count: inner.count,
        ...framing,
        *encode(framing) {
          try {
            yield* inner.encode(framing);
          } finally {
            post();
          }
        },
      };
      yield { batch: shared, maxUpdatedAt };
    }
  }
}

async function* runWorker(
  source: ParquetSource,
  options: ParquetReadOptions,
  serialize: readonly OutputColumn[] | undefined,
  cursorColumn?: string,
): AsyncGenerator<[ParquetWorkerMessage, () => void]> {
  const input: ParquetWorkerInput = {
    // ≤ 16 k-row slices of a row group, at most `inFlight` of them queued: memory holds about one
    // slice being written plus the queue, not a whole decoded row group (100 k rows, ~50 MB as lines).
    ...openInputOf(source, options),
    ...(serialize === undefined ? {} : { serialize: serialize.map((c) => ({ ...c })), shareBelow: options.shareBelow ?? 5 }),
    ...(serialize === undefined || options.framing === undefined ? {} : { framing: checkedFraming(options.framing) }),
    ...(serialize === undefined || cursorColumn === undefined ? {} : { cursorColumn }),
  };
  const decoder = options.decoder ?? new ParquetDecoder();
  try {
    const name = options.name ?? (typeof source === "string" ? basename(source) : source.id);
    for await (const item of decoder.run(input, name, options.signal, options.inFlight ?? (serialize === undefined ? 2 : 8))) {
      if (item[0].type === "meta") options.onMeta?.({ numRows: item[0].numRows, rowGroups: item[0].rowGroups });
      else yield item;
    }
  } finally {
    if (options.decoder === undefined) await decoder.close();
  }
}

function checkedFraming(f: RecordFraming): { prefix: Uint8Array; suffix: Uint8Array } {
  const nl = (b: Uint8Array): number => b.reduce((n, x) => n + (x === 0x0a ? 1 : 0), 0);
  if (nl(f.prefix) !== 0 || nl(f.suffix) !== 1 || f.suffix[f.suffix.length - 1] !== 0x0a) {
    throw new Error("readParquetRecords: framing.suffix must end in the only newline of the framing");
  }
  return { prefix: Uint8Array.from(f.prefix), suffix: Uint8Array.from(f.suffix) };
}
