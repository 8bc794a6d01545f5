/**
 * The rows of a page's `data` array, scanned once into its layout (page-layout.ts): each row's span and
 * mode, each value's span and whether it is copied or rewritten (page-values.ts), and the cursor's highest
 * value. Compiled once per stream: the columns' keys, rules and key matchers are fixed, and the key order
 * of the previous row predicts the next row's, so most keys are compared whole instead of scanned.
 */
import { keyBytes } from "../encode/json-bytes.js";
import type { JsonScanner } from "../encode/json-scan.js";
import type { OutputColumn } from "../encode/record-serializer.js";
import { PageLayout, COPY, REWRITE, RowMode } from "./page-layout.js";
import { isCanonical, ruleOf, type CursorMax } from "./page-values.js";

/** Scans the array that opens at p into `layout`; returns the index past it, or -1 when it is not what the scanner reads. */
export type RowsScan = (s: JsonScanner, view: DataView, p: number, layout: PageLayout, cursor: CursorMax) => number;

export function compileRowScan(columns: readonly OutputColumn[], cursorKey: string | undefined): RowsScan {
  const m = columns.length;
  const bySource = new Map(columns.map((c, j) => [c.source, j]));
  const rules = columns.map((c) => ruleOf(c.dataType));
  const cursorJ = cursorKey === undefined ? -1 : (bySource.get(cursorKey) ?? -1);
  /** `"key":` for keys that need no escaping: the bytes a compact page has before such a key's value. */
  const plainKeys = columns.map((c) => (JSON.stringify(c.source) === `"${c.source}"` ? Buffer.from(`"${c.source}":`) : undefined));
  const keyMatchers = plainKeys.map((k) => (k === undefined ? undefined : new BytesMatcher(k)));
  // Rows can be copied whole only when the output keys are the API's keys, byte for byte.
  const sameKeys = columns.every((c, j) => c.key === c.source && plainKeys[j] !== undefined && Buffer.compare(plainKeys[j]!, keyBytes(c.key, false)) === 0);
  /** Column order of the previous row's keys: the next row most likely has the same. */
  const predicted = new Int32Array(m + 1).fill(-1);

  function scanRows(s: JsonScanner, view: DataView, p: number, layout: PageLayout, cursor: CursorMax): number {
    const b = s.b;
    p = s.ws(p + 1);
    if (b[p] === 0x5d) return p + 1;
    for (;;) {
      p = scanRow(s, view, p, layout, cursor);
      if (p < 0) return -1;
      p = s.ws(p);
      if (b[p] === 0x5d) return p + 1;
      if (b[p] !== 0x2c) return -1;
      p = s.ws(p + 1);
    }
  }

  function scanRow(s: JsonScanner, view: DataView, p: number, layout: PageLayout, cursor: CursorMax): number {
    const b = s.b;
    if (b[p] !== 0x7b) return -1;
    const rowStart = p;
    const i = layout.addRow();
    const base = i * m;
    const how = layout.how, spans = layout.spans; // fresh zeros (absent) for every new row
    let parsed = false;
    // Verbatim until something in the row's layout differs from what the serializer writes; canonical
    // until a value does.
    let verbatim = sameKeys;
    let canonical = true;
    let lastJ = -1;
    const q = s.ws(p + 1);
    if (q !== p + 1) verbatim = false;
    p = q;
    if (b[p] === 0x7d) p++;
    else {
      for (let at = 0; ; at++) {
        let j = at < m ? predicted[at]! : -1;
        const expected = j >= 0 ? keyMatchers[j] : undefined;
        if (expected !== undefined && expected.at(view, b, p)) {
          p += expected.length - 1; // the expected `"key":`, compared whole instead of scanned
        } else {
          const keyStart = p;
          p = s.string(p);
          if (p < 0) return -1;
          if (s.escaped) verbatim = false; // the output writes the key unescaped
          j = s.escaped ? keyIndex(JSON.parse(b.toString("utf8", keyStart, p)) as string) : keyIndex(b.toString("utf8", keyStart + 1, p - 1));
          if (at < m) predicted[at] = j;
          if (b[p] !== 0x3a) {
            verbatim = false;
            p = s.ws(p);
            if (b[p] !== 0x3a) return -1;
          }
        }
        let valueStart = p + 1;
        if (s.ws(valueStart) !== valueStart) {
          verbatim = false;
          valueStart = s.ws(valueStart);
        }
        const end = s.value(valueStart);
        if (end < 0) return -1;
        if (j < 0 || how[base + j] !== 0) {
          parsed = true; // an unknown or repeated key
        } else {
          const k = base + j;
          const copy = isCanonical(b, valueStart, end, s.kind, rules[j]!, s.stringified);
          how[k] = copy ? COPY : REWRITE;
          spans[2 * k] = valueStart;
          spans[2 * k + 1] = end;
          if (!copy) canonical = false;
          if (j < lastJ) verbatim = false;
          lastJ = j;
          if (j === cursorJ) cursor.see(b, valueStart, end, s.kind);
        }
        p = end;
        if (b[p] !== 0x2c && b[p] !== 0x7d) {
          verbatim = false;
          p = s.ws(p);
        }
        if (b[p] === 0x7d) break;
        if (b[p] !== 0x2c) return -1;
        if (b[p + 1] !== 0x22) verbatim = false;
        p = s.ws(p + 1);
      }
      p++;
    }
    layout.rowSpans[2 * i] = rowStart;
    layout.rowSpans[2 * i + 1] = p;
    layout.rowModes[i] = parsed ? RowMode.Parsed : !verbatim ? RowMode.Values : canonical ? RowMode.Verbatim : RowMode.Patched;
    return p;
  }

  function keyIndex(key: string): number {
    return bySource.get(key) ?? -1;
  }

  return scanRows;
}

/**
 * Whether a page holds given bytes at a position, compared 4 bytes at a time: a row's keys are most of its
 * bytes, and every one is checked against the key expected there.
 */
class BytesMatcher {
  readonly length: number;
  readonly #words: Int32Array;
  readonly #tail: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.length = bytes.length;
    const whole = bytes.length >> 2;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#words = Int32Array.from({ length: whole }, (_, k) => view.getInt32(4 * k, true));
    this.#tail = bytes.slice(4 * whole);
  }

  /** `view` and `b` are the same bytes. */
  at(view: DataView, b: Uint8Array, p: number): boolean {
    if (p + this.length > b.length) return false;
    const words = this.#words, tail = this.#tail;
    for (let k = 0; k < words.length; k++) if (view.getInt32(p + 4 * k, true) !== words[k]) return false;
    const t = p + 4 * words.length;
    for (let k = 0; k < tail.length; k++) if (b[t + k] !== tail[k]) return false;
    return true;
  }
}
