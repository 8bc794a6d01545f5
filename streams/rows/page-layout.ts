/**
 * A scanned rows page laid out for writing: per row its span and how it is written (RowMode), and per row
 * and column where its value is and whether it is copied or rewritten (ValueHow). Typed arrays only, grown
 * by doubling, so a page costs no object per row or value (row-scan.ts fills it, page-writer.ts reads it).
 *
 * The two codes are `const enum`s, unlike the `as const` objects elsewhere, because the loops of other
 * modules test them for every row and value: tsc writes their numbers into those loops, where an imported
 * object would be read at run time on each test (measured: +2 % CPU for the page scan).
 */

/** How a scanned row is written. */
export const enum RowMode {
  /** Value by value, in column order: each copied or parsed and rewritten. */
  Values = 0,
  /** The row's bytes are already the data object (compact, keys in column order, canonical values): copied whole. */
  Verbatim = 1,
  /** Unknown or repeated keys: parsed whole (losslessly) and written by `writeObject`. */
  Parsed = 2,
  /** Verbatim but for some values: copied whole, those values rewritten in place. */
  Patched = 3,
}

/** How one value of a row is written (`PageLayout.how`). */
export const enum ValueHow {
  /** The row has no such key. */
  Absent = 0,
  /** Written as its bytes. */
  Copy = 1,
  /** Parsed, then written by its column's writer. */
  Rewrite = 2,
}

/** Page layout: per row its span and mode, and per row and column where its value is and how to write it. */
export class PageLayout {
  rows = 0;
  rowSpans: Int32Array;
  rowModes: Uint8Array;
  /** [start, end) of each value in the page, row-major by column. */
  spans: Int32Array;
  /** ValueHow per row and column: Absent (fresh zeros for every new row), Copy or Rewrite. */
  how: Uint8Array;

  constructor(readonly width: number, capacity: number) {
    this.rowSpans = new Int32Array(capacity * 2);
    this.rowModes = new Uint8Array(capacity);
    this.spans = new Int32Array(capacity * width * 2);
    this.how = new Uint8Array(capacity * width);
  }

  /** Empties the layout for another page: rows not yet added must read as Absent. */
  reset(): this {
    this.how.fill(ValueHow.Absent, 0, this.rows * this.width);
    this.rows = 0;
    return this;
  }

  get capacity(): number {
    return this.rowModes.length;
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
