/**
 * One downloaded export file → record batches, whatever it turned out to be: Parquet (decoded in a worker
 * into Arrow batches) or JSON (NDJSON, array or `{data}`, plain or gzip). The file's magic bytes decide,
 * not the format we asked for nor its name or Content-Encoding: a downloaded body is stored as sent, so a
 * gzip file is gzip on disk however the server labelled it.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { TempFile } from "./export-temp.js";
import { readJsonExportFile } from "./json/json-export-reader.js";
import { readParquetCursorRecords, type ParquetDecoder } from "./parquet/parquet-reader.js";
import type { OutputColumn, RecordSerializer } from "../encode/record-serializer.js";
import { maxTimestampOf } from "../sync/cursor-max.js";
import type { Batch, RecordFraming } from "../contract/stream.js";

export interface DecodeInput {
  /** The downloaded file; the caller closes it. */
  readonly temp: TempFile;
  /** The export's name for it, for messages. */
  readonly name: string;
  /** Where a gzipped Parquet file is unpacked (a nameless temp file too); the system temp dir when absent. */
  readonly tempRoot?: string;
  /** Rows of this file already emitted (resume): they are skipped, not re-emitted. */
  readonly startRow: number;
  /** Column name of updated_at (exports are keyed by column name), when the table has one. */
  readonly cursorColumn: string | undefined;
  /** For Arrow batches (columns matched by Arrow name). */
  readonly arrowColumns: readonly OutputColumn[];
  /** For JSON rows, whose keys are column names. */
  readonly jsonSerializer: RecordSerializer;
  readonly signal: AbortSignal;
  /** The export's decode thread, reused across its files; absent = one for this file only. */
  readonly decoder?: ParquetDecoder;
  /**
   * The framing for every record of this file (ReadContext.recordFraming()); the batches carry it as
   * `Batch.framing`, and Parquet records are framed once, in the worker. Absent: the runtime frames.
   */
  readonly framing?: RecordFraming;
}

export interface DecodedBatch {
  readonly batch: Batch;
  /** Rows in `batch` (the file position advances by this much). */
  readonly rows: number;
  /** Highest updated_at in the batch as the records carry it, undefined when unknown. */
  readonly maxUpdatedAt: string | undefined;
}

export type FileKind = "parquet" | "gzip" | "text";

/** Parquet files start with `PAR1`, gzip with 1f 8b; anything else is read as JSON text. */
export async function sniff(temp: TempFile): Promise<FileKind> {
  const head = await temp.read(0, 4);
  if (head.length >= 4 && head.toString("latin1") === "PAR1") return "parquet";
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  return "text";
}

export async function* decodeExportFile(input: DecodeInput): AsyncGenerator<DecodedBatch> {
  const kind = await sniff(input.temp);
  // A gzipped Parquet file cannot be read as a stream (its footer is at the end): unpack it first.
  // JSON is unpacked on the fly by the JSON reader, so only peek at what is inside.
  if (kind === "gzip" && (await gzipHoldsParquet(input.temp))) {
    const unpacked = await TempFile.create(input.tempRoot);
    try {
      await pipeline(
        input.temp.chunks(),
        createGunzip(),
        async (unzipped: AsyncIterable<Buffer>) => {
          let at = 0;
          for await (const chunk of unzipped) {
            await unpacked.write(chunk, at);
            at += chunk.length;
          }
        },
        { signal: input.signal },
      );
      yield* decodeParquet(unpacked, input);
    } finally {
      await unpacked.close(); // after its decode ended: the thread no longer reads it
    }
  } else if (kind === "parquet") yield* decodeParquet(input.temp, input);
  else yield* decodeJson(input);
}

async function* decodeParquet(temp: TempFile, input: DecodeInput): AsyncGenerator<DecodedBatch> {
  // The worker decodes and serializes (sharing with this thread when it idles) and takes the cursor's
  // highest value from the same rows; this thread mostly frames records.
  const options = { startRow: input.startRow, signal: input.signal, name: input.name, ...decoderOf(input), ...framingOf(input) };
  for await (const { batch, maxUpdatedAt } of readParquetCursorRecords(temp, input.arrowColumns, input.cursorColumn, options)) {
    if (batch.count > 0) yield { batch, rows: batch.count, maxUpdatedAt };
  }
}

function decoderOf(input: DecodeInput): { decoder?: ParquetDecoder } {
  return input.decoder === undefined ? {} : { decoder: input.decoder };
}

function framingOf(input: DecodeInput): { framing?: RecordFraming } {
  return input.framing === undefined ? {} : { framing: input.framing };
}

async function* decodeJson(input: DecodeInput): AsyncGenerator<DecodedBatch> {
  // Gzip is told by its magic bytes, which also covers a `.gz` name and a `Content-Encoding: gzip` body
  // (downloads ask for identity encoding and store what they get).
  let skip = input.startRow;
  for await (const chunk of readJsonExportFile(input.temp.chunks(), { signal: input.signal })) {
    let rows = chunk;
    if (skip > 0) {
      const cut = Math.min(skip, rows.length);
      skip -= cut;
      rows = rows.slice(cut);
    }
    if (rows.length === 0) continue;
    const batch = input.jsonSerializer.fromObjects(rows);
    yield {
      // The same framing as a Parquet file's, so emitted_at means the same on both (the file's start).
      batch: input.framing === undefined ? batch : { kind: "batch", count: batch.count, framing: input.framing, encode: (f) => batch.encode(f) },
      rows: rows.length,
      maxUpdatedAt: input.cursorColumn === undefined ? undefined : maxTimestampOf(rows, input.cursorColumn),
    };
  }
}

/** Whether the first unpacked bytes of a gzip file are Parquet's magic. */
async function gzipHoldsParquet(temp: TempFile): Promise<boolean> {
  const gunzip = createGunzip();
  const source = Readable.from(temp.chunks());
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      return chunk.length >= 4 && chunk.subarray(0, 4).toString("latin1") === "PAR1";
    }
    return false;
  } catch {
    return false;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

