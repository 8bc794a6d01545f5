/**
 * Arrow batches (Parquet exports) into complete RECORD lines, by the rules of record-serializer.ts: the
 * same bytes as the same row written from objects. Every column of the batch is written (a null stays
 * null); batch columns that are not in `columns` go after the known ones, keyed by their Arrow name.
 * Apart from record-serializer.ts so that only reads that see Arrow load apache-arrow.
 */
import type { Data, RecordBatch } from "apache-arrow";
import { encoderFor, type RowWriter } from "./arrow-encoders.js";
import { arrowRowLoop } from "./arrow-row-loop.js";
import { ByteWriter, DEFAULT_CHUNK_BYTES, keyBytes } from "./json-bytes.js";
import type { OutputColumn, SerializerOptions } from "./record-serializer.js";
import type { Batch, RecordFraming } from "../contract/stream.js";

export interface ArrowSerializer {
  readonly columns: readonly OutputColumn[];
  /** A Parquet/Arrow batch; `startRow` skips that many leading rows (resume inside a batch). */
  fromArrow(batch: RecordBatch, startRow?: number): Batch;
}

interface PlannedColumn {
  readonly j: number;
  readonly key: string;
  readonly dataType: string;
  readonly data: Data;
}

export function compileArrowSerializer(columns: readonly OutputColumn[], options: SerializerOptions = {}): ArrowSerializer {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const byArrowName = new Map(columns.map((c, j) => [c.arrowName ?? c.source, j]));

  function fromArrow(batch: RecordBatch, startRow = 0): Batch {
    const start = Math.min(Math.max(0, Math.floor(startRow)), batch.numRows);
    const plan = arrowPlan(batch);
    return {
      kind: "batch",
      count: batch.numRows - start,
      encode(framing: RecordFraming): Iterable<Uint8Array> {
        const w = new ByteWriter(chunkBytes);
        const cols: RowWriter[] = plan.map((p) => encoderFor(w, p.data, p.dataType));
        const keys = plan.map((p, n) => keyBytes(p.key, n > 0));
        arrowRowLoop(keys)(w, cols, start, batch.numRows, framing.prefix, framing.suffix);
        return w.takeChunks(true);
      },
    };
  }

  /** Batch columns in output order: known columns by position, then the rest as they come. */
  function arrowPlan(batch: RecordBatch): PlannedColumn[] {
    const knownCols: PlannedColumn[] = [];
    const extra: PlannedColumn[] = [];
    batch.schema.fields.forEach((field, f) => {
      const data = batch.getChildAt(f)?.data[0];
      if (data === undefined) return;
      const j = byArrowName.get(field.name);
      if (j === undefined) extra.push({ j: Infinity, key: field.name, dataType: "", data });
      else knownCols.push({ j, key: columns[j]!.key, dataType: columns[j]!.dataType, data });
    });
    knownCols.sort((a, b) => a.j - b.j);
    return [...knownCols, ...extra];
  }

  return { columns, fromArrow };
}
