/** Export JSON files in the variant's layout (NDJSON, array, {data: […]}), optionally gzipped. */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import type { Writable } from "node:stream";
import type { Variant } from "./variants.js";
import { isPlainWire, wireStringify } from "./wire.js";

const CHUNK_ROWS = 5_000;

/** Writes up to `maxRows` rows from `rows` to `path`; returns how many were written. */
export async function writeJsonFile(
  path: string,
  rows: Iterator<Record<string, unknown>>,
  maxRows: number,
  v: Variant,
  gzip: boolean,
): Promise<number> {
  const file = createWriteStream(path);
  let out: Writable = file;
  if (gzip) {
    const gz = createGzip();
    gz.pipe(file);
    out = gz;
  }
  const write = async (s: string): Promise<void> => {
    if (!out.write(s)) await once(out, "drain");
  };
  const [open, sep, close] =
    v.jsonLayout === "ndjson" ? ["", "\n", "\n"] : v.jsonLayout === "array" ? ["[\n", ",\n", "\n]\n"] : ['{"data":[\n', ",\n", "\n]}\n"];
  await write(open);
  const stringify = isPlainWire(v) ? JSON.stringify : wireStringify;
  let count = 0;
  let chunk: string[] = [];
  while (count < maxRows) {
    const next = rows.next();
    if (next.done) break;
    chunk.push(stringify(next.value));
    count++;
    if (chunk.length >= CHUNK_ROWS) {
      await write((count > chunk.length ? sep : "") + chunk.join(sep));
      chunk = [];
      await new Promise((r) => setImmediate(r));
    }
  }
  if (chunk.length > 0) await write((count > chunk.length ? sep : "") + chunk.join(sep));
  await write(count === 0 && v.jsonLayout === "ndjson" ? "" : close);
  out.end();
  await once(file, "close");
  return count;
}
