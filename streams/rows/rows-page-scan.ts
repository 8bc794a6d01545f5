/**
 * Rows pages turned into RECORD lines straight from the response bytes. JSON.parse of each page and the
 * re-serialization of every value were most of the rows path's CPU, while most values arrive already in
 * the form the serializer writes. So a page is scanned once (validated, and each row's value spans noted
 * per column), and at write time each value is either copied as bytes or, when the writer for its type
 * would write something else, parsed alone (losslessly) and written by that writer.
 *
 * Copied as sent: every number literal (outside TIMESTAMP columns), strings without escapes or escaped
 * the way JSON.stringify escapes, RFC 3339 timestamps, true/false/null and compact string arrays.
 *
 * The result is byte-identical to `serializer.fromObjects(parseLossless(page).data)`, the fallback path
 * (test/rows-page-scan.test.ts checks it on generated pages, test/rows-page-properties.test.ts against
 * JSON.parse): rows with keys the serializer does not know or keys given twice are parsed whole and
 * written by `writeObject`. A page outside the happy path (another envelope, invalid JSON, invalid UTF-8,
 * deep nesting) gives `undefined`, and the caller parses it the usual way, with the usual errors.
 */
import { isUtf8 } from "node:buffer";
import { ByteWriter, DEFAULT_CHUNK_BYTES, keyBytes } from "../encode/json-bytes.js";
import { valueWriterFor, type ValueWriter } from "../encode/json-bytes-values.js";
import { parseLossless } from "../encode/json-lossless.js";
import { JsonScanner, Kind, QUOTE } from "../encode/json-scan.js";
import type { RecordSerializer } from "../encode/record-serializer.js";
import type { RowsPageDecoder } from "../http/client.js";
import { maxTimestampOf } from "../sync/cursor-max.js";
import { MaxTimestamp } from "../encode/timestamps.js";
import type { Batch, RecordFraming } from "../../contract/stream.js";

/** One decoded rows page, however it was decoded. */
export interface DecodedRowsPage {
  readonly batch: Batch;
  /** Present only when there is a next page (absent, null and "" all mean "last page"). */
  readonly nextPageToken?: string;
  /** The value under the key column in the page's last row (as parseLossless gives it), if any. */
  readonly lastKey: unknown;
  /** The highest timestamp among the cursor column's string values, as records carry it (timestamps.ts). */
  readonly maxCursor: string | undefined;
}

export interface PageScanOptions {
  /** Record key (API key) of the cursor column (updated_at), when the stream has one. */
  readonly cursorKey?: string | undefined;
  /** Record key of the first order-by column, whose last value goes into checkpoints. */
  readonly lastKeyKey?: string | undefined;
  readonly chunkBytes?: number;
}

/** How a column's values are written when they are not copied as they are (by Ignite dataType). */
const Rule = {
  /** STRING, DATE, BOOL, STRING_ARRAY and unknown types: a string without escapes is written as sent. */
  Text: 0,
  /** NUMBER, MONETARY_AMOUNT: a string is written as the number literal it spells, if it spells one. */
  Number: 1,
  /** TIMESTAMP: RFC 3339 text as sent, other forms completed, a number is epoch ms. */
  Timestamp: 2,
} as const;
type Rule = (typeof Rule)[keyof typeof Rule];

const RULES: Record<string, Rule> = { NUMBER: Rule.Number, MONETARY_AMOUNT: Rule.Number, TIMESTAMP: Rule.Timestamp };

const DATA = Buffer.from('"data"');
const NEXT_PAGE_TOKEN = Buffer.from('"nextPageToken"');

/** How a scanned row is written. */
const RowMode = {
  /** Value by value, in column order: each copied or parsed and rewritten. */
  Values: 0,
  /** The row's bytes are already the data object (compact, keys in column order, canonical values): copied whole. */
  Verbatim: 1,
  /** Verbatim but for some values: copied whole, those values rewritten in place. */
  Patched: 3,
  /** Unknown or repeated keys: parsed whole (losslessly) and written by `writeObject`. */
  Parsed: 2,
} as const;

/** Page layout: per row its span and mode, and per row and column where its value is and how to write it. */
class PageLayout {
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

const COPY = 1;
const REWRITE = 2;

function grown<A extends Int32Array | Uint8Array>(a: A): A {
  const bigger = new (a.constructor as new (n: number) => A)(a.length * 2);
  bigger.set(a);
  return bigger;
}

export interface RowsPageScanner {
  /** The page from its bytes, or undefined when it must be parsed the usual way. */
  scan(bytes: Buffer): DecodedRowsPage | undefined;
}

export function compileRowsPageScanner(serializer: RecordSerializer, options: PageScanOptions = {}): RowsPageScanner {
  const columns = serializer.columns;
  const m = columns.length;
  const bySource = new Map(columns.map((c, j) => [c.source, j]));
  const rules = columns.map((c) => RULES[c.dataType] ?? Rule.Text);
  const writers: ValueWriter[] = columns.map((c) => valueWriterFor(c.dataType));
  const firstKeys = columns.map((c) => keyBytes(c.key, false));
  const nextKeys = columns.map((c) => keyBytes(c.key, true));
  const cursorJ = options.cursorKey === undefined ? -1 : (bySource.get(options.cursorKey) ?? -1);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  /** `"key":` for keys that need no escaping: the bytes a compact page has before such a key's value. */
  const plainKeys = columns.map((c) => (JSON.stringify(c.source) === `"${c.source}"` ? Buffer.from(`"${c.source}":`) : undefined));
  const keyMatchers = plainKeys.map((k) => (k === undefined ? undefined : new BytesMatcher(k)));
  // Rows can be copied whole only when the output keys are the API's keys, byte for byte.
  const sameKeys = columns.every((c, j) => c.key === c.source && plainKeys[j] !== undefined && Buffer.compare(plainKeys[j]!, firstKeys[j]!) === 0);
  /** Column order of the previous row's keys: the next row most likely has the same. */
  const predicted = new Int32Array(m + 1).fill(-1);

  function scan(bytes: Buffer): DecodedRowsPage | undefined {
    if (!isUtf8(bytes)) return undefined;
    const s = new JsonScanner(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const layout = new PageLayout(m, Math.max(16, Math.ceil(bytes.length / Math.max(64, m * 24))));
    const cursor = new CursorMax();
    let token: string | undefined;
    let seenData = false, seenToken = false;

    let p = s.ws(0);
    if (bytes[p] !== 0x7b) return undefined;
    p = s.ws(p + 1);
    if (bytes[p] === 0x7d) p++;
    else {
      for (;;) {
        const keyStart = p;
        p = s.string(p);
        if (p < 0) return undefined;
        if (s.escaped) return undefined; // an escaped top-level key could still be "data": let JSON.parse decide
        const isData = same(bytes, keyStart, p, DATA);
        const isToken = same(bytes, keyStart, p, NEXT_PAGE_TOKEN);
        p = s.ws(p);
        if (bytes[p] !== 0x3a) return undefined;
        p = s.ws(p + 1);
        if (isData) {
          if (seenData) return undefined;
          seenData = true;
          if (bytes[p] === 0x5b) {
            p = scanRows(s, view, p, layout, cursor);
            if (p < 0) return undefined;
          } else {
            const end = s.literal(p);
            if (end < 0 || bytes[p] !== 0x6e) return undefined; // only null; anything else gets the usual error
            p = end;
          }
        } else {
          const start = p;
          p = s.value(p);
          if (p < 0) return undefined;
          if (isToken) {
            if (seenToken) return undefined;
            seenToken = true;
            if (s.kind === Kind.String) token = bytes.toString("utf8", start + 1, p - 1);
            else if (s.kind === Kind.EscapedString) token = JSON.parse(bytes.toString("utf8", start, p)) as string;
            else if (bytes[start] !== 0x6e) return undefined; // not a string nor null: the usual error
          }
        }
        p = s.ws(p);
        if (bytes[p] === 0x7d) {
          p++;
          break;
        }
        if (bytes[p] !== 0x2c) return undefined;
        p = s.ws(p + 1);
      }
    }
    if (s.ws(p) !== bytes.length) return undefined;
    return {
      batch: encoder(bytes, layout),
      ...(token !== undefined && token !== "" && { nextPageToken: token }),
      lastKey: lastKeyOf(bytes, layout),
      maxCursor: cursor.text,
    };
  }

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

  function lastKeyOf(bytes: Buffer, layout: PageLayout): unknown {
    if (options.lastKeyKey === undefined || layout.rows === 0) return undefined;
    const i = layout.rows - 1;
    if (layout.rowModes[i] === RowMode.Parsed) {
      return (parseLossless(bytes, layout.rowSpans[2 * i]!, layout.rowSpans[2 * i + 1]!) as Record<string, unknown>)[options.lastKeyKey];
    }
    const j = bySource.get(options.lastKeyKey);
    if (j === undefined || layout.how[i * m + j] === 0) return undefined;
    return parseLossless(bytes, layout.spans[2 * (i * m + j)]!, layout.spans[2 * (i * m + j) + 1]!);
  }

  function encoder(bytes: Buffer, layout: PageLayout): Batch {
    return { kind: "batch", count: layout.rows, encode: (framing) => writeRows(bytes, layout, framing) };
  }

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
          if (how[k] !== REWRITE) continue;
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
          if (h === 0) continue;
          w.bytes(written++ === 0 ? firstKeys[j]! : nextKeys[j]!);
          const start = spans[2 * k]!, end = spans[2 * k + 1]!;
          if (h === COPY) copy(w, bytes, start, end);
          else writers[j]!(w, parseLossless(bytes, start, end));
        }
        w.byte(0x7d);
      }
      w.bytes(framing.suffix);
      if (w.hasFullChunks) yield* w.takeChunks(false);
    }
    yield* w.takeChunks(true);
  }

  return { scan };
}

/** Whether the value's bytes are exactly what its column's writer would write for the parsed value. */
function isCanonical(b: Uint8Array, start: number, end: number, kind: Kind, rule: Rule, stringified: boolean): boolean {
  switch (kind) {
    case Kind.Literal:
    case Kind.CompactStringArray:
      return true;
    case Kind.String:
      return rule === Rule.Text || (rule === Rule.Timestamp && isRfc3339Timestamp(b, start, end));
    case Kind.EscapedString:
      return rule === Rule.Text && stringified;
    case Kind.Number:
      return rule !== Rule.Timestamp; // a number literal is written as sent; in a TIMESTAMP column it is epoch ms
    default:
      return false;
  }
}

/**
 * The quoted string at [start, end) is RFC 3339 `date-time` (timestamps.ts: written as sent):
 * `"YYYY-MM-DD(T|t)HH:MM:SS[.d…](Z|z|±HH:MM)"`, digits not range-checked (the writer keeps such a
 * string as sent either way).
 */
export function isRfc3339Timestamp(b: Uint8Array, start: number, end: number): boolean {
  const close = end - 1;
  if (end - start < 22 || b[start] !== QUOTE || b[close] !== QUOTE) return false;
  const p = start + 1;
  for (let k = 0; k < 19; k++) {
    const c = b[p + k]!;
    const want = TIMESTAMP_SHAPE[k]!;
    if (want === 0 ? !isDigit(c) : want === 0x54 ? c !== 0x54 && c !== 0x74 : c !== want) return false;
  }
  let q = p + 19;
  if (b[q] === 0x2e) {
    const fraction = ++q;
    while (q < close && isDigit(b[q]!)) q++;
    if (q === fraction) return false;
  }
  if (q === close - 1) return b[q] === 0x5a || b[q] === 0x7a;
  return q === close - 6 && (b[q] === 0x2b || b[q] === 0x2d) && isDigit(b[q + 1]!) && isDigit(b[q + 2]!) && b[q + 3] === 0x3a && isDigit(b[q + 4]!) && isDigit(b[q + 5]!);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** 0 = a digit; otherwise the byte itself (0x54 `T` also matches `t`). */
const TIMESTAMP_SHAPE = Array.from("0000-00-00T00:00:00", (c) => (c === "0" ? 0 : c.charCodeAt(0)));

/** The highest cursor value of a page (timestamps.ts), parsing only values that can raise it. */
class CursorMax extends MaxTimestamp {
  /** `YYYY-MM-DDTHH:MM:SS` of the highest value when that is `…Z`: a `…Z` value below it cannot be higher. */
  #prefix: Buffer | undefined;

  see(b: Buffer, start: number, end: number, kind: Kind): void {
    if (kind === Kind.String) {
      const utc = isUtcTimestamp(b, start, end);
      if (utc && this.#prefix !== undefined && this.#prefix.compare(b, start + 1, start + 20) > 0) return;
      if (this.offer(b.toString("utf8", start + 1, end - 1))) this.#prefix = utc ? Buffer.from(b.subarray(start + 1, start + 20)) : undefined;
    } else if (kind === Kind.EscapedString) {
      if (this.offer(JSON.parse(b.toString("utf8", start, end)) as string)) this.#prefix = undefined;
    }
  }
}

/** RFC 3339 with `T` and `Z`/`z`: such values order like their text, second by second. */
function isUtcTimestamp(b: Uint8Array, start: number, end: number): boolean {
  return (b[end - 2] === 0x5a || b[end - 2] === 0x7a) && b[start + 11] === 0x54 && isRfc3339Timestamp(b, start, end);
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

function same(b: Uint8Array, start: number, end: number, what: Uint8Array): boolean {
  if (end - start !== what.length) return false;
  for (let k = 0; k < what.length; k++) if (b[start + k] !== what[k]) return false;
  return true;
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

/**
 * The rows path's page decoder: pages from their bytes through the scanner, and any page the scanner
 * hands back through the lossless parse (client.ts) and `fromObjects`, with the same results.
 */
export function rowsPageDecoder(serializer: RecordSerializer, options: PageScanOptions = {}): RowsPageDecoder<DecodedRowsPage> {
  const scanner = compileRowsPageScanner(serializer, options);
  const { cursorKey, lastKeyKey } = options;
  return {
    fromBytes: (bytes) => scanner.scan(bytes),
    fromPage: (page) => ({
      batch: serializer.fromObjects(page.data),
      ...(page.nextPageToken !== undefined && { nextPageToken: page.nextPageToken }),
      lastKey: lastKeyKey === undefined ? undefined : page.data.at(-1)?.[lastKeyKey],
      maxCursor: cursorKey === undefined ? undefined : maxTimestampOf(page.data, cursorKey),
    }),
  };
}

const TOKEN_MEMBER = Buffer.from('"nextPageToken":"');

/**
 * A guess at a page's next token without decoding it: the escape-free string of a compact
 * `"nextPageToken":"…"` member that ends the page (`…,"nextPageToken":"t"}`) or starts it
 * (`{"nextPageToken":"t",…`). Only a hint for sending the next request early; the caller checks it
 * against the decoded page's token.
 */
export function peekNextPageToken(b: Uint8Array): string | undefined {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 0x20 || b[end - 1] === 0x0a || b[end - 1] === 0x0d || b[end - 1] === 0x09)) end--;
  if (b[end - 1] === 0x7d && b[end - 2] === QUOTE) {
    const close = end - 2;
    let open = close - 1;
    while (open >= 0 && b[open] !== QUOTE && b[open] !== 0x5c) open--;
    const member = open - (TOKEN_MEMBER.length - 1);
    if (open > 0 && b[open] === QUOTE && member > 0 && same(b, member, open + 1, TOKEN_MEMBER) && b[member - 1] === 0x2c) {
      return close > open + 1 ? Buffer.from(b.buffer, b.byteOffset + open + 1, close - open - 1).toString("utf8") : undefined;
    }
  }
  if (b[0] === 0x7b && same(b, 1, 1 + TOKEN_MEMBER.length, TOKEN_MEMBER)) {
    const open = TOKEN_MEMBER.length;
    let close = open + 1;
    while (close < b.length && b[close] !== QUOTE && b[close] !== 0x5c) close++;
    if (b[close] === QUOTE && b[close + 1] === 0x2c && close > open + 1) return Buffer.from(b.buffer, b.byteOffset + open + 1, close - open - 1).toString("utf8");
  }
  return undefined;
}
