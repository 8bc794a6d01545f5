/**
 * A scanned page (page-layout.ts) written as RECORD lines: a row copied whole (Verbatim), copied with some
 * values rewritten in place (Patched), written value by value, each copied or rewritten (Values), or parsed
 * whole and written by the serializer (Parsed). Rewritten values are parsed alone, losslessly, and written
 * by their column's writer, so the bytes are those `serializer.fromObjects` would write.
 */
import type { RecordFraming } from "../contract/stream.js";
import { ByteWriter, keyBytes } from "../encode/json-bytes.js";
import { valueWriterFor, type ValueWriter } from "../encode/json-bytes-values.js";
import { parseLossless } from "../encode/json-lossless.js";
import type { RecordSerializer } from "../encode/record-serializer.js";
import { RowMode, ValueHow, type PageLayout } from "./page-layout.js";

export type PageWriter = (bytes: Buffer, layout: PageLayout, framing: RecordFraming) => Iterable<Uint8Array>;

export function compilePageWriter(serializer: RecordSerializer, chunkBytes: number): PageWriter {
  const columns = serializer.columns;
  const m = columns.length;
  const writers: ValueWriter[] = columns.map((c) => valueWriterFor(c.dataType));
  const firstKeys = columns.map((c) => keyBytes(c.key, false));
  const nextKeys = columns.map((c) => keyBytes(c.key, true));

  /**
   * One function per scanner (per stream), not a generator made per page: V8 optimized each page's
   * own generator anew, page after page, on top of running it unoptimized meanwhile.
   */
  function* writeRows(bytes: Buffer, layout: PageLayout, framing: RecordFraming): Iterable<Uint8Array> {
    const w = new ByteWriter(chunkBytes);
    const { how, spans, rowSpans, rowModes } = layout;
    for (let i = 0; i < layout.rows; i++) {
      const mode = rowModes[i]!;
      w.bytes(framing.prefix);
      if (mode === RowMode.Verbatim) copy(w, bytes, rowSpans[2 * i]!, rowSpans[2 * i + 1]!);
      else if (mode === RowMode.Patched) {
        // Values sit in column order, so the bytes between rewritten values are copied in runs.
        let from = rowSpans[2 * i]!;
        for (let j = 0, k = i * m; j < m; j++, k++) {
          if (how[k] !== ValueHow.Rewrite) continue;
          copy(w, bytes, from, spans[2 * k]!);
          writers[j]!(w, parseLossless(bytes, spans[2 * k]!, spans[2 * k + 1]!));
          from = spans[2 * k + 1]!;
        }
        copy(w, bytes, from, rowSpans[2 * i + 1]!);
      } else if (mode === RowMode.Parsed) {
        serializer.writeObject(w, parseLossless(bytes, rowSpans[2 * i]!, rowSpans[2 * i + 1]!) as Record<string, unknown>);
      } else {
        w.byte(0x7b);
        let written = 0;
        for (let j = 0, k = i * m; j < m; j++, k++) {
          const h = how[k]!;
          if (h === ValueHow.Absent) continue;
          w.bytes(written++ === 0 ? firstKeys[j]! : nextKeys[j]!);
          const start = spans[2 * k]!, end = spans[2 * k + 1]!;
          if (h === ValueHow.Copy) copy(w, bytes, start, end);
          else writers[j]!(w, parseLossless(bytes, start, end));
        }
        w.byte(0x7d);
      }
      w.bytes(framing.suffix);
      if (w.hasFullChunks) yield* w.takeChunks(false);
    }
    yield* w.takeChunks(true);
  }

  return writeRows;
}

/** Bytes [start, end) of the page into the output; short values by a loop (cheaper than a subarray). */
function copy(w: ByteWriter, b: Uint8Array, start: number, end: number): void {
  const n = end - start;
  w.ensure(n);
  if (n < 64) {
    const buf = w.buf;
    let p = w.pos;
    for (let k = start; k < end; k++) buf[p++] = b[k]!;
    w.pos = p;
  } else {
    w.buf.set(b.subarray(start, end), w.pos);
    w.pos += n;
  }
}
