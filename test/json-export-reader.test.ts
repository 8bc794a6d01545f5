import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, test } from "vitest";
import { SystemError, TransientError } from "../streams/contract/errors.js";
import { CorruptJsonExportError, readJsonExportFile } from "../streams/export/json/json-export-reader.js";
import { tempDir } from "./arrow-fixtures.js";

/** Rows whose text is hard to split: brackets and quotes in strings, escapes, multi-byte UTF-8. */
const ROWS: Record<string, unknown>[] = Array.from({ length: 25 }, (_, i) => ({
  id: `r${i}`,
  text: ["plain", 'has "quotes" and {braces} [brackets]', "ends with backslash \\", "\\\"", "Ærlig 北京 🎉", "line\nbreak"][i % 6],
  amount: i % 4 === 0 ? null : i * 1.25,
  tags: i % 3 === 0 ? [] : ["a]", "{b"],
  nested: { data: [1, 2, { x: "]" }] },
}));

const LAYOUTS: Record<string, string> = {
  ndjson: ROWS.map((r) => JSON.stringify(r)).join("\n") + "\n",
  "ndjson without trailing newline, CRLF": ROWS.map((r) => JSON.stringify(r)).join("\r\n"),
  array: JSON.stringify(ROWS),
  "array, pretty": JSON.stringify(ROWS, null, 2),
  wrapper: JSON.stringify({ data: ROWS }),
  "wrapper with other keys first, pretty": JSON.stringify({ meta: { data: "x", rows: [{ no: 1 }] }, count: 25, data: ROWS, next: null }, null, 1),
  "BOM + array": "\ufeff" + JSON.stringify(ROWS),
};

let dir: string;
beforeAll(() => {
  dir = tempDir();
});

async function collect(src: string | AsyncIterable<Uint8Array>, batchRows?: number): Promise<Record<string, unknown>[][]> {
  const out: Record<string, unknown>[][] = [];
  for await (const b of readJsonExportFile(src, batchRows === undefined ? {} : { batchRows })) out.push(b);
  return out;
}

/** The same bytes in small, uneven chunks, so every boundary case (inside strings, escapes, UTF-8) occurs. */
async function* chunked(bytes: Uint8Array, seed: number): AsyncGenerator<Uint8Array> {
  let at = 0, x = seed;
  while (at < bytes.length) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const n = 1 + (x % 13);
    yield bytes.slice(at, at + n);
    at += n;
  }
}

describe("readJsonExportFile", () => {
  for (const [name, text] of Object.entries(LAYOUTS)) {
    test(`${name}: plain and gzip, from a file and from odd-sized chunks`, async () => {
      const plain = Buffer.from(text, "utf8");
      const gz = gzipSync(plain);
      writeFileSync(join(dir, "f.json"), plain);
      writeFileSync(join(dir, "f.json.gz"), gz);
      for (const src of [join(dir, "f.json"), join(dir, "f.json.gz"), chunked(plain, 7), chunked(gz, 11)]) {
        expect((await collect(src)).flat()).toEqual(ROWS);
      }
    });
  }

  test("rows come in bounded batches", async () => {
    const sizes = (await collect(chunked(Buffer.from(LAYOUTS.ndjson!), 3), 10)).map((b) => b.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  test("a .gz name on plain content is read as plain (the magic bytes decide)", async () => {
    writeFileSync(join(dir, "plain.json.gz"), LAYOUTS.array!);
    expect((await collect(join(dir, "plain.json.gz"))).flat()).toEqual(ROWS);
  });

  test("empty file and empty array give no rows", async () => {
    for (const text of ["", "  \n", "[]", '{"data":[]}']) {
      writeFileSync(join(dir, "empty.json"), text);
      expect((await collect(join(dir, "empty.json"))).flat()).toEqual([]);
    }
  });

  const broken: [string, Uint8Array, typeof TransientError | typeof SystemError][] = [
    ["NDJSON cut inside a row", Buffer.from(LAYOUTS.ndjson!.slice(0, 500)), TransientError],
    ["array cut between rows", Buffer.from(LAYOUTS.array!.slice(0, LAYOUTS.array!.indexOf("},{") + 1)), TransientError],
    ["wrapper cut", Buffer.from(LAYOUTS.wrapper!.slice(0, -2)), TransientError],
    ["gzip cut", gzipSync(Buffer.from(LAYOUTS.ndjson!)).subarray(0, 200), TransientError],
    ["rows that are not objects", Buffer.from("[1,2,3]"), SystemError],
    // damaged bytes (the layout is fine): worth downloading again, a bounded number of times (export-job.ts)
    ["invalid JSON inside a row", Buffer.from('{"a": tru}\n'), CorruptJsonExportError],
  ];
  for (const [name, bytes, kind] of broken) {
    test(`${name} → ${kind.name}`, async () => {
      writeFileSync(join(dir, "bad.json"), bytes);
      await expect(collect(join(dir, "bad.json"))).rejects.toBeInstanceOf(kind);
    });
  }
});
