/**
 * Finds row objects in a JSON byte stream fed in arbitrary chunks, without parsing them: tracks
 * nesting depth and string/escape state byte by byte and cuts out each row's text.
 *
 * Layout is decided by the first value: `[` → rows are the array's elements; `{` → if one of its
 * top-level keys is `"data"` with an array value, rows are that array's elements (wrapper layout);
 * if it closes without one, it was the first row of NDJSON (a sequence of top-level objects).
 *
 * It also tells the sink which rows hold a number literal that JSON.parse would not give back as sent
 * (json-lossless.ts `isCanonicalNumber`), so only their batches pay for the lossless parse.
 */
import { SystemError, TransientError } from "../../contract/errors.js";
import { isCanonicalNumber } from "../../encode/json-lossless.js";

type Layout = "unknown" | "first-object" | "array" | "wrapper" | "ndjson";

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a;
const OPEN_OBJ = 0x7b, CLOSE_OBJ = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d;
const DATA_KEY = "data";

/** Bytes that start a number outside strings, and bytes a number is made of. */
const NUMBER_START = new Uint8Array(256);
const NUMBER_BYTE = new Uint8Array(256);
for (const c of "-0123456789") NUMBER_START[c.charCodeAt(0)] = 1;
for (const c of "-+.eE0123456789") NUMBER_BYTE[c.charCodeAt(0)] = 1;
/** `numberStart` of a number that began in an earlier chunk. */
const CARRIED = -2;

export class JsonRowScanner {
  private layout: Layout = "unknown";
  private depth = 0;
  private inString = false;
  private escape = false;
  /** Depth at which row objects start (0 NDJSON, 1 array, 2 wrapper). */
  private rowDepth = 0;
  /** Byte index in the current chunk where the current row began, or -1. */
  private rowStart = -1;
  /** Pieces of the current row from earlier chunks. */
  private carry: Uint8Array[] = [];
  private inRow = false;
  private containerClosed = false;
  // wrapper detection inside the first object: the last depth-1 key and whether ':' followed it
  private key: number[] | undefined;
  private keyText = "";
  private afterColon = false;
  /** Where the number being scanned began in this chunk (CARRIED: an earlier one), or -1. */
  private numberStart = -1;

  /** Scans one chunk; each completed row's bytes go to `rows`. */
  push(chunk: Uint8Array, rows: RowSink): void {
    let k = 0;
    if (this.inRow) this.rowStart = 0;
    for (const n = chunk.length; k < n; k++) {
      const b = chunk[k]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (b === BACKSLASH) this.escape = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.key !== undefined) this.keyText = String.fromCharCode(...this.key);
        } else if (this.key !== undefined && this.key.length < 16) this.key.push(b);
        continue;
      }
      if (this.inRow) {
        if (this.numberStart !== -1) {
          if (NUMBER_BYTE[b] === 1) continue;
          if (this.numberStart === CARRIED || !isCanonicalNumber(chunk, this.numberStart, k)) rows.lossy();
          this.numberStart = -1;
        } else if (NUMBER_START[b] === 1) {
          this.numberStart = k;
          continue;
        }
      }
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
      if (this.layout === "unknown" && (b === 0xef || b === 0xbb || b === 0xbf)) continue; // a UTF-8 BOM
      if (b === QUOTE) {
        this.inString = true;
        this.key = this.layout === "first-object" && this.depth === 1 && !this.afterColon ? [] : undefined;
        this.afterColon = false;
        continue;
      }
      if (b === COLON) {
        this.afterColon = this.layout === "first-object" && this.depth === 1;
        continue;
      }
      const wasAfterColon = this.afterColon;
      this.afterColon = false;
      if (b === OPEN_OBJ || b === OPEN_ARR) {
        if (this.depth === this.rowDepth && !this.inRow) this.startRow(b, k);
        else if (wasAfterColon && b === OPEN_ARR && this.keyText === DATA_KEY && this.depth === 1) {
          // `{"data": [` : a wrapper; the first object was not a row after all.
          this.layout = "wrapper";
          this.rowDepth = 2;
          this.inRow = false;
          this.carry = [];
        }
        this.depth++;
      } else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
        this.depth--;
        if (this.depth < 0) throw invalid("unbalanced brackets");
        if (this.inRow && this.depth === this.rowDepth) this.endRow(chunk, k, rows);
        else if (this.depth === this.rowDepth - 1 && (this.layout === "array" || this.layout === "wrapper")) {
          this.containerClosed = true;
          this.rowDepth = -1; // nothing after the container is a row
        }
      } else if (this.depth === this.rowDepth && !this.inRow && b !== 0x2c) {
        throw invalid("a row is not a JSON object");
      }
    }
    if (this.inRow) this.carry.push(chunk.subarray(this.rowStart));
    this.rowStart = -1;
    if (this.numberStart !== -1) this.numberStart = CARRIED;
  }

  /** The stream ended: the last row and the container must be complete. */
  end(): void {
    if (this.inRow || this.inString || (this.layout === "first-object")) {
      throw new TransientError("JSON export file ends in the middle of a row (truncated download?)");
    }
    if ((this.layout === "array" || this.layout === "wrapper") && !this.containerClosed) {
      throw new TransientError("JSON export file ends before its row array closes (truncated download?)");
    }
  }

  private startRow(b: number, k: number): void {
    if (this.layout === "unknown") {
      if (b === OPEN_ARR) {
        this.layout = "array";
        this.rowDepth = 1;
        return;
      }
      this.layout = "first-object";
    }
    if (b !== OPEN_OBJ) throw invalid("a row is not a JSON object");
    this.inRow = true;
    this.rowStart = k;
    this.carry = [];
  }

  private endRow(chunk: Uint8Array, k: number, rows: RowSink): void {
    rows.row(this.carry, chunk, this.rowStart, k + 1);
    this.carry = [];
    this.inRow = false;
    if (this.layout === "first-object") this.layout = "ndjson";
  }
}

export interface RowSink {
  /** One row: the `carry` pieces from earlier chunks, then `chunk[start, end)`. */
  row(carry: readonly Uint8Array[], chunk: Uint8Array, start: number, end: number): void;
  /** The row being scanned holds a number that JSON.parse would not give back as sent. */
  lossy(): void;
}

/**
 * Collects rows as the bytes of JSON arrays (`[row,row,…]`), `batchRows` rows each, so a batch is
 * decoded and parsed in one go instead of one string per row. `lossless`: a row of the batch holds a
 * number only the lossless parse keeps.
 */
export class RowBatcher implements RowSink {
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  private count = 0;
  private isLossy = false;
  readonly done: { text: string; count: number; lossless: boolean }[] = [];

  lossy(): void {
    this.isLossy = true;
  }

  constructor(private readonly batchRows: number) {}

  row(carry: readonly Uint8Array[], chunk: Uint8Array, start: number, end: number): void {
    let n = end - start + 2;
    for (const c of carry) n += c.length;
    if (this.pos + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    this.buf[this.pos++] = this.count === 0 ? OPEN_ARR : 0x2c;
    for (const c of carry) {
      this.buf.set(c, this.pos);
      this.pos += c.length;
    }
    this.buf.set(chunk.subarray(start, end), this.pos);
    this.pos += end - start;
    if (++this.count === this.batchRows) this.finish();
  }

  /** Closes the current batch (if any rows) into `done`. */
  finish(): void {
    if (this.count === 0) return;
    this.buf[this.pos++] = CLOSE_ARR;
    this.done.push({ text: this.buf.toString("utf8", 0, this.pos), count: this.count, lossless: this.isLossy });
    this.pos = 0;
    this.count = 0;
    this.isLossy = false;
  }
}

function invalid(what: string): SystemError {
  return new SystemError(`JSON export file has an unexpected layout: ${what}`);
}
