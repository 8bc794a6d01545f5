/**
 * Reads a JSON export file as a stream of row batches, in any layout api §14 allows:
 * NDJSON (or any sequence of top-level objects), a single JSON array, or `{ "data": [ … ] }`,
 * optionally gzip-compressed. The file is never held whole: a byte scanner finds where each row
 * object starts and ends (tracking depth and strings), rows are copied into a `[row,row,…]` buffer,
 * and each batch is parsed with one `JSON.parse` (one string per batch, not per row: half the GC).
 * Memory is one read chunk plus one batch of rows.
 *
 * Numbers keep their digits: a batch with a number JSON.parse would change (beyond 2^53, `1.50`, `1e3`…)
 * is parsed by json-lossless.ts instead (slower; the scanner tells which batches). In the wrapper layout,
 * rows are the objects of the first top-level `data` array.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { SystemError, TransientError } from "../../contract/errors.js";
import { JsonRowScanner, RowBatcher } from "./json-export-scanner.js";
import { parseLossless } from "../../encode/json-lossless.js";

/**
 * A row that is not valid JSON: the file's bytes are damaged (a download that passed its length checks),
 * so it is worth downloading again (export-job.ts bounds how often), unlike a layout we do not understand.
 */
export class CorruptJsonExportError extends TransientError {}

/** Rows per yielded array unless asked otherwise: each is one batch, so one checkpoint, of the export path. */
export const JSON_BATCH_ROWS = 10_000;

export interface JsonExportOptions {
  /** Rows per yielded array (default JSON_BATCH_ROWS). */
  readonly batchRows?: number;
  readonly signal?: AbortSignal;
}

const GZIP_MAGIC_0 = 0x1f, GZIP_MAGIC_1 = 0x8b;

/**
 * Rows of one export file (a path, or the bytes as a stream). Gzip is recognised by its magic
 * bytes, so a `.gz` name or a `Content-Encoding: gzip` that the HTTP client already decoded are
 * both handled without a hint.
 */
export async function* readJsonExportFile(
  source: string | AsyncIterable<Uint8Array>,
  options: JsonExportOptions = {},
): AsyncGenerator<Record<string, unknown>[]> {
  const batchRows = Math.max(1, options.batchRows ?? JSON_BATCH_ROWS);
  const input = typeof source === "string" ? createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const scanner = new JsonRowScanner();
  const batcher = new RowBatcher(batchRows);
  try {
    for await (const chunk of maybeGunzip(input, options.signal)) {
      options.signal?.throwIfAborted();
      scanner.push(chunk, batcher);
      for (const batch of batcher.done.splice(0)) yield parseRows(batch.text, batch.lossless);
    }
  } catch (err) {
    if (err instanceof SystemError || err instanceof TransientError) throw err;
    if (isZlibError(err)) throw new TransientError("JSON export file is not valid gzip (truncated download?)", { cause: err });
    throw err;
  } finally {
    if (input instanceof Readable) input.destroy();
  }
  scanner.end();
  batcher.finish();
  for (const batch of batcher.done.splice(0)) yield parseRows(batch.text, batch.lossless);
}

/** Passes the bytes through gunzip when the first two are the gzip magic. */
async function* maybeGunzip(input: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const it = input[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < 2) {
    const r = await it.next();
    if (r.done === true) {
      done = true;
      break;
    }
    head.push(r.value);
    size += r.value.length;
  }
  const first = Buffer.concat(head);
  const rest = async function* (): AsyncGenerator<Uint8Array> {
    if (first.length > 0) yield first;
    if (done) return;
    for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
  };
  if (first[0] !== GZIP_MAGIC_0 || first[1] !== GZIP_MAGIC_1) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const source = Readable.from(rest(), { objectMode: false });
  source.on("error", (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  const onAbort = (): void => void gunzip.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    source.destroy();
  }
}

function parseRows(text: string, lossless: boolean): Record<string, unknown>[] {
  try {
    return (lossless ? parseLossless(Buffer.from(text, "utf8")) : JSON.parse(text)) as Record<string, unknown>[];
  } catch (err) {
    throw new CorruptJsonExportError("JSON export file contains invalid JSON (damaged download?)", { internal: (err as Error).message });
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}
