/**
 * A scanned rows page laid out for writing: per row its span and how it is written (RowMode), and per row
 * and column where its value is and whether it is copied or rewritten. Typed arrays only, grown by
 * doubling, so a page costs no object per row or value (row-scan.ts fills it, page-writer.ts reads it).
 */

/** How a scanned row is written. */
export const RowMode = {
  /** Value by value, in column order: each copied or parsed and rewritten. */
  Values: 0,
  /** The row's bytes are already the data object (compact, keys in column order, canonical values): copied whole. */
  Verbatim: 1,
  /** Verbatim but for some values: copied whole, those values rewritten in place. */
  Patched: 3,
  /** Unknown or repeated keys: parsed whole (losslessly) and written by `writeObject`. */
  Parsed: 2,
} as const;

/** A value written as its bytes. */
export const COPY = 1;
/** A value parsed, then written by its column's writer. */
export const REWRITE = 2;

/** Page layout: per row its span and mode, and per row and column where its value is and how to write it. */
export class PageLayout {
  rows = 0;
  rowSpans: Int32Array;
  rowModes: Uint8Array;
  /** [start, end) of each value in the page, row-major by column. */
  spans: Int32Array;
  /** 0 when the row has no such key, else COPY (written as its bytes) or REWRITE (parse, then write). */
  how: Uint8Array;

  constructor(readonly width: number, capacity: number) {
    this.rowSpans = new Int32Array(capacity * 2);
    this.rowModes = new Uint8Array(capacity);
    this.spans = new Int32Array(capacity * width * 2);
    this.how = new Uint8Array(capacity * width);
  }

  /** Starts a row; returns its index. */
  addRow(): number {
    const i = this.rows++;
    if (this.rows > this.rowModes.length) {
      this.rowSpans = grown(this.rowSpans);
      this.rowModes = grown(this.rowModes);
      this.spans = grown(this.spans);
      this.how = grown(this.how);
    }
    return i;
  }
}

function grown<A extends Int32Array | Uint8Array>(a: A): A {
  const bigger = new (a.constructor as new (n: number) => A)(a.length * 2);
  bigger.set(a);
  return bigger;
}
