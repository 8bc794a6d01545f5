/**
 * The Arrow row loop of the record serializer, generated per output shape (the keys, in order) so that
 * each key's bytes are written as constant stores. Writing the keys is most of what the loop itself
 * costs: a copy loop per key (the generic loop below) made the whole serializer ≈ 25-30 % slower per
 * row on the spend table (1.25 vs 0.87 µs/row; a generated loop that still copied the keys gained nothing).
 *
 * The column writers are all called from one shared call site (`callValue`). Called from a site of
 * their own, V8 inlines every writer into the generated code: no faster (0.9 µs/row), and compiling that
 * graph took ≈ 0.2-0.3 CPU-s per thread.
 *
 * The generated source holds only numbers and fixed names: key bytes become numeric literals, never
 * text, so no key can inject code. A row writer is made once per shape and thread and then reused.
 */
import type { RowWriter } from "./arrow-encoders.js";
import { RECORD_RESERVE, type ByteWriter } from "./json-bytes.js";

/** Writes rows [start, n) as framed records: prefix, `{`, key + value per column, `}`, suffix. */
export type ArrowRowLoop = (w: ByteWriter, cols: readonly RowWriter[], start: number, n: number, prefix: Uint8Array, suffix: Uint8Array) => void;

/**
 * Past this many key bytes the generated function would be too big for V8 to optimize (it leaves
 * functions of more than 60 KB of bytecode to the interpreter), which is far slower than the generic loop.
 */
const MAX_GENERATED_KEY_BYTES = 2048;

const loops = new Map<string, ArrowRowLoop>();

/** The loop for records with these keys (`"key":` bytes, each but the first with its leading comma). */
export function arrowRowLoop(keys: readonly Uint8Array[]): ArrowRowLoop {
  const total = keys.reduce((n, k) => n + k.length, 0);
  if (total > MAX_GENERATED_KEY_BYTES) return (w, cols, start, n, prefix, suffix) => genericRowLoop(w, cols, keys, start, n, prefix, suffix);
  const shape = keys.map((k) => Buffer.from(k).toString("hex")).join(",");
  let loop = loops.get(shape);
  if (loop === undefined) loops.set(shape, (loop = generate(keys)));
  return loop;
}

/** The one call site of every column writer (see above); a function of its own so it stays one site. */
function callValue(writer: RowWriter, i: number): void {
  writer.write(i);
}

/**
 * A generated row is a function called once per row from this loop, not a generated loop: V8 compiles
 * a long-running loop on stack (OSR), again for every batch until its regular code is ready, and this
 * big function's compiles cost ≈ 60 ms each (0.35-0.65 s of compiling per 1 M rows, against 0.03-0.09 s
 * this way; same speed per row).
 */
function rowLoop(row: GeneratedRow, w: ByteWriter, cols: readonly RowWriter[], start: number, n: number, prefix: Uint8Array, suffix: Uint8Array): void {
  for (let i = start; i < n; i++) row(callValue, w, cols, i, prefix, suffix);
}
type GeneratedRow = (call: typeof callValue, w: ByteWriter, cols: readonly RowWriter[], i: number, prefix: Uint8Array, suffix: Uint8Array) => void;

function generate(keys: readonly Uint8Array[]): ArrowRowLoop {
  const lines = ['"use strict";', "let b, p;", `w.ensure(${RECORD_RESERVE} + prefix.length);`, "w.bytes(prefix);"];
  keys.forEach((key, j) => {
    const bytes = j === 0 ? [0x7b, ...key] : [...key];
    // A long value before this key may have left less room than the row's reserve.
    lines.push(`if (w.pos + ${bytes.length} > w.buf.length) w.ensure(${bytes.length});`);
    lines.push(`b = w.buf; p = w.pos; ${bytes.map((x, k) => `b[p + ${k}] = ${x};`).join(" ")} w.pos = p + ${bytes.length};`);
    lines.push(`callValue(cols[${j}], i);`);
  });
  if (keys.length === 0) lines.push("w.byte(0x7b);");
  lines.push("w.byte(0x7d);", "w.bytes(suffix);");
  const row = new Function("callValue", "w", "cols", "i", "prefix", "suffix", lines.join("\n")) as GeneratedRow;
  return (w, cols, start, n, prefix, suffix) => rowLoop(row, w, cols, start, n, prefix, suffix);
}

/** The same records for shapes too big to generate: each key copied from its bytes. */
function genericRowLoop(w: ByteWriter, cols: readonly RowWriter[], keys: readonly Uint8Array[], start: number, n: number, prefix: Uint8Array, suffix: Uint8Array): void {
  const m = cols.length;
  for (let i = start; i < n; i++) {
    w.ensure(RECORD_RESERVE + prefix.length);
    w.bytes(prefix);
    w.byte(0x7b);
    for (let j = 0; j < m; j++) {
      w.bytes(keys[j]!);
      cols[j]!.write(i);
    }
    w.byte(0x7d);
    w.bytes(suffix);
  }
}
