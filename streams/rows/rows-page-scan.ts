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
 *
 * This module reads the page's envelope (`data`, `nextPageToken`) and peeks at the next token before a
 * page is decoded; row-scan.ts scans the rows into a page-layout.ts, judging each value, and
 * page-writer.ts writes the records. Row scanner and writer are compiled once per stream.
 */
import { isUtf8 } from "node:buffer";
import type { Batch, RecordFraming } from "../contract/stream.js";
import { DEFAULT_CHUNK_BYTES } from "../encode/json-bytes.js";
import { parseLossless } from "../encode/json-lossless.js";
import { JsonScanner, Kind, QUOTE } from "../encode/json-scan.js";
import type { RecordSerializer } from "../encode/record-serializer.js";
import type { RowsPageDecoder } from "../http/client.js";
import { maxTimestampOf } from "../sync/cursor-max.js";
import { PageLayout, RowMode, ValueHow } from "./page-layout.js";
import { compilePageWriter } from "./page-writer.js";
import { compileRowScan, CursorMax } from "./row-scan.js";

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

const DATA = Buffer.from('"data"');
const NEXT_PAGE_TOKEN = Buffer.from('"nextPageToken"');

export interface RowsPageScanner {
  /** The page from its bytes, or undefined when it must be parsed the usual way. */
  scan(bytes: Buffer): DecodedRowsPage | undefined;
  /** A buffer for the next page's body (of `length` bytes), reusing the memory of a page already written. */
  bodyBuffer(length: number): Buffer;
}

export function compileRowsPageScanner(serializer: RecordSerializer, options: PageScanOptions = {}): RowsPageScanner {
  const m = serializer.columns.length;
  const scanRows = compileRowScan(serializer.columns, options.cursorKey);
  const writeRows = compilePageWriter(serializer, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const lastKeyJ = options.lastKeyKey === undefined ? undefined : new Map(serializer.columns.map((c, j) => [c.source, j])).get(options.lastKeyKey);
  /**
   * The layout of a page already written (a batch is encoded once), kept for the next page: a layout is
   * a few MB of typed arrays per 10 000 rows, and fresh ones every page cost page faults and garbage
   * collections (≈ 0.15 s per million rows).
   */
  let spare: PageLayout | undefined;
  const layoutFor = (capacity: number): PageLayout => {
    const reused = spare;
    spare = undefined;
    return reused !== undefined && reused.capacity >= capacity ? reused.reset() : new PageLayout(m, capacity);
  };
  /** So is the body of a page written (5 MB per 10 000 rows): its memory reads the next page. */
  let spareBody: ArrayBuffer | undefined;
  /** Bodies in memory of our own: only those are reused (a small Buffer may be a slice of Node's shared pool). */
  const ownBodies = new WeakSet<ArrayBufferLike>();
  function bodyBuffer(length: number): Buffer {
    const reused = spareBody;
    spareBody = undefined;
    if (reused !== undefined && reused.byteLength >= length) return Buffer.from(reused, 0, length);
    const fresh = Buffer.allocUnsafeSlow(length);
    ownBodies.add(fresh.buffer);
    return fresh;
  }

  function scan(bytes: Buffer): DecodedRowsPage | undefined {
    if (!isUtf8(bytes)) return undefined;
    const s = new JsonScanner(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const layout = layoutFor(Math.max(16, Math.ceil(bytes.length / Math.max(64, m * 24))));
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

  function lastKeyOf(bytes: Buffer, layout: PageLayout): unknown {
    if (options.lastKeyKey === undefined || layout.rows === 0) return undefined;
    const i = layout.rows - 1;
    if (layout.rowModes[i] === RowMode.Parsed) {
      return (parseLossless(bytes, layout.rowSpans[2 * i]!, layout.rowSpans[2 * i + 1]!) as Record<string, unknown>)[options.lastKeyKey];
    }
    if (lastKeyJ === undefined || layout.how[i * m + lastKeyJ] === ValueHow.Absent) return undefined;
    const k = i * m + lastKeyJ;
    return parseLossless(bytes, layout.spans[2 * k]!, layout.spans[2 * k + 1]!);
  }

  function encoder(bytes: Buffer, layout: PageLayout): Batch {
    return { kind: "batch", count: layout.rows, encode: (framing) => written(bytes, layout, framing) };
  }

  /**
   * The page's records. Once they are all out nothing views its bytes any more (tokens, keys and cursors
   * are copies): its layout and its body's memory serve the next page.
   */
  function* written(bytes: Buffer, layout: PageLayout, framing: RecordFraming): Iterable<Uint8Array> {
    yield* writeRows(bytes, layout, framing);
    spare = layout;
    if (ownBodies.has(bytes.buffer)) spareBody = bytes.buffer as ArrayBuffer;
  }

  return { scan, bodyBuffer };
}

function same(b: Uint8Array, start: number, end: number, what: Uint8Array): boolean {
  if (end - start !== what.length) return false;
  for (let k = 0; k < what.length; k++) if (b[start + k] !== what[k]) return false;
  return true;
}

/**
 * The rows path's page decoder: pages from their bytes through the scanner, and any page the scanner
 * hands back through the lossless parse (client.ts) and `fromObjects`, with the same results.
 */
export function rowsPageDecoder(serializer: RecordSerializer, options: PageScanOptions = {}): RowsPageDecoder<DecodedRowsPage> {
  const scanner = compileRowsPageScanner(serializer, options);
  const { cursorKey, lastKeyKey } = options;
  return {
    bodyBuffer: (length) => scanner.bodyBuffer(length),
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
