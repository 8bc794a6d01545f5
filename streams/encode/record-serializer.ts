/**
 * The one record serializer: compiled once per stream schema, it turns rows pages and JSON export rows
 * into complete RECORD lines (framing.prefix + data object + framing.suffix). Arrow batches go through
 * its sibling arrow-serializer.ts, by the same rules; a module of its own, so that a read that never sees
 * Arrow (rows pages, the legacy tables) never loads apache-arrow (≈ 80 ms of every such process).
 *
 * Output rules, the same for both inputs so a row reads byte-identically either way:
 * - keys in column order, then (objects only) unknown extra keys in the object's own order;
 * - objects: only keys present in the object are written (an absent key stays absent); Arrow: every
 *   column of the batch is written (a null stays null); batch columns that are not in `columns` go
 *   after the known ones, keyed by their Arrow name;
 * - values per Ignite dataType (json-bytes-values.ts, arrow-encoders.ts, json-bytes-format.ts): a
 *   value the API sent in a valid form is written as sent (number literals with their digits, RFC 3339
 *   timestamps with their text); Arrow values are exact number literals, timestamps
 *   `YYYY-MM-DDTHH:MM:SS[.f]Z` with the unit's fraction digits, dates `YYYY-MM-DD`; string arrays as
 *   arrays, NaN/±Inf as null.
 *
 * Bytes go into reused-until-full buffers (json-bytes.ts); a chunk handed out is never written again.
 */
import { ByteWriter, DEFAULT_CHUNK_BYTES, RECORD_RESERVE, keyBytes } from "./json-bytes.js";
import { valueWriterFor, writeGeneric, type ValueWriter } from "./json-bytes-values.js";
import type { Batch, RecordFraming } from "../contract/stream.js";
import type { IgniteDataType } from "../api/tables.js";

export interface OutputColumn {
  /** Output property name (column name or label, per `column_keys`). */
  readonly key: string;
  /** The key rows objects use for this column (the API's key). */
  readonly source: string;
  /** The Arrow/Parquet column name, when it differs from `source` (exports are keyed by name). */
  readonly arrowName?: string;
  readonly dataType: IgniteDataType | (string & {});
}

export interface RecordSerializer {
  readonly columns: readonly OutputColumn[];
  /** Rows pages and JSON export rows. */
  fromObjects(rows: readonly Record<string, unknown>[]): Batch;
  /** One object row's data object (`{…}`, no framing), exactly as `fromObjects` writes it. */
  writeObject(w: ByteWriter, row: Record<string, unknown>): void;
}

export interface SerializerOptions {
  /** Size of each output chunk; a record longer than that gets a chunk of its own. */
  readonly chunkBytes?: number;
}

export function compileSerializer(columns: readonly OutputColumn[], options: SerializerOptions = {}): RecordSerializer {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const sources = columns.map((c) => c.source);
  const known = new Set(sources);
  const firstKeys = columns.map((c) => keyBytes(c.key, false));
  const nextKeys = columns.map((c) => keyBytes(c.key, true));
  const writers: ValueWriter[] = columns.map((c) => valueWriterFor(c.dataType));

  function writeObject(w: ByteWriter, row: Record<string, unknown>): void {
    w.byte(0x7b);
    let written = 0;
    for (let j = 0; j < sources.length; j++) {
      const v = row[sources[j]!];
      if (v === undefined) continue;
      w.bytes(written === 0 ? firstKeys[j]! : nextKeys[j]!);
      writers[j]!(w, v);
      written++;
    }
    if (hasExtraKeys(row, written)) {
      for (const k in row) {
        if (known.has(k) || row[k] === undefined) continue;
        w.bytes(keyBytes(k, written > 0));
        writeGeneric(w, row[k]);
        written++;
      }
    }
    w.byte(0x7d);
  }

  function fromObjects(rows: readonly Record<string, unknown>[]): Batch {
    return { kind: "batch", count: rows.length, encode: (framing) => writeObjects(rows, framing) };
  }

  /** Once per serializer, not per batch: V8 optimizes one generator, not a new one per batch. */
  function* writeObjects(rows: readonly Record<string, unknown>[], framing: RecordFraming): Iterable<Uint8Array> {
    const w = new ByteWriter(chunkBytes);
    for (const row of rows) {
      w.ensure(RECORD_RESERVE + framing.prefix.length);
      w.bytes(framing.prefix);
      writeObject(w, row);
      w.bytes(framing.suffix);
      if (w.hasFullChunks) yield* w.takeChunks(false);
    }
    yield* w.takeChunks(true);
  }

  return { columns, fromObjects, writeObject };
}

const DATA_LINES: RecordFraming = { prefix: new Uint8Array(0), suffix: new Uint8Array([0x0a]) };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * A batch already serialized elsewhere (a worker) as lines framed with `framedWith` (default: bare
 * data objects + `\n`), in one or more chunks (a line may continue in the next chunk). Raw newlines
 * cannot occur inside JSON text, so they delimit records. `encode` with the same framing hands the
 * chunks out as they are; with another framing it swaps each line's framing.
 */
export function fromDataLines(
  chunks: readonly Uint8Array[],
  count: number,
  options: SerializerOptions & { framedWith?: RecordFraming | undefined } = {},
): Batch {
  const old = options.framedWith ?? DATA_LINES;
  const cutStart = old.prefix.length, cutEnd = old.suffix.length - 1; // the '\n' is not in a line
  return {
    kind: "batch",
    count,
    *encode(framing: RecordFraming): Iterable<Uint8Array> {
      const { prefix, suffix } = framing;
      if (sameBytes(prefix, old.prefix) && sameBytes(suffix, old.suffix)) {
        yield* chunks;
        return;
      }
      const w = new ByteWriter(options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
      let carry: Buffer | undefined;
      for (const chunk of chunks) {
        let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
        if (carry !== undefined) {
          buf = Buffer.concat([carry, buf]);
          carry = undefined;
        }
        let at = 0;
        for (let end = buf.indexOf(0x0a, at); end >= 0; end = buf.indexOf(0x0a, at)) {
          w.bytes(prefix);
          w.bytes(buf.subarray(at + cutStart, end - cutEnd));
          w.bytes(suffix);
          at = end + 1;
          if (w.hasFullChunks) yield* w.takeChunks(false);
        }
        if (at < buf.length) carry = buf.subarray(at);
      }
      if (carry !== undefined) throw new Error("fromDataLines: last line has no newline");
      yield* w.takeChunks(true);
    },
  };
}

/** Whether `row` has more own keys than the `written` known ones (cheap: no key array). */
function hasExtraKeys(row: Record<string, unknown>, written: number): boolean {
  let n = 0;
  for (const k in row) {
    if (row[k] !== undefined && ++n > written) return true;
  }
  return false;
}
