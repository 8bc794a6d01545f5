import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { TempFile } from "../streams/export/export-temp.js";
import { decodeFailure } from "../streams/export/parquet/parquet-decoder.js";
import { FileReadError, failureKind } from "../streams/export/parquet/parquet-failure.js";
import {
  CorruptParquetError,
  ParquetDecodeBugError,
  ParquetDecodeMemoryError,
  ParquetDecoder,
  readParquetCursorRecords,
  readParquetFile,
  readParquetRecords,
  type ParquetSource,
} from "../streams/export/parquet/parquet-reader.js";
import { returnChunk } from "../streams/contract/chunk-pool.js";
import { compileArrowSerializer } from "../streams/encode/arrow-serializer.js";
import { compileSerializer } from "../streams/encode/record-serializer.js";
import type { Batch } from "../streams/contract/stream.js";
import { CODECS, COLUMNS, arrowTable, logicalRows, objectRow, parquetBytes, tempDir, writeParquetFile } from "./arrow-fixtures.js";

const FRAMING = { prefix: Buffer.from('{"type":"RECORD","record":{"stream":"spend","emitted_at":1,"data":'), suffix: Buffer.from("}}\n") };
const N = 300;
const ROW_GROUP = 64;
const rows = logicalRows(N);
const serializer = compileArrowSerializer(COLUMNS);
/** The oracle: the same rows as a rows page would carry them. */
const expectedLines = textOf([compileSerializer(COLUMNS).fromObjects(rows.map(objectRow))]).split("\n").slice(0, -1);
let dir: string;

function textOf(batches: Iterable<Batch>): string {
  const parts: Uint8Array[] = [];
  for (const b of batches) parts.push(...b.encode(FRAMING));
  return Buffer.concat(parts).toString("utf8");
}
async function arrowText(path: ParquetSource, opts: Parameters<typeof readParquetFile>[1] = {}): Promise<string> {
  const out: Batch[] = [];
  for await (const b of readParquetFile(path, opts)) out.push(serializer.fromArrow(b));
  return textOf(out);
}
async function recordsText(path: ParquetSource, opts: Parameters<typeof readParquetFile>[1] = {}): Promise<string> {
  const out: Batch[] = [];
  for await (const b of readParquetRecords(path, COLUMNS, opts)) out.push(b);
  return textOf(out);
}

/** OS threads of this process (Linux): a decode thread is one more. */
function liveThreads(): number {
  return readdirSync("/proc/self/task").length;
}
async function until(what: () => boolean, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (what()) return true;
  return what();
}

beforeAll(() => {
  // The worker runs as compiled JS (worker threads cannot load .ts); rebuild when a source is newer.
  const worker = "dist/streams/export/parquet/parquet-worker.js";
  const newest = Math.max(...readdirSync("streams", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => statSync(join("streams", f)).mtimeMs));
  if (!existsSync(worker) || statSync(worker).mtimeMs < newest) {
    try {
      execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { stdio: "ignore" });
    } catch {
      // type errors in files being written by others do not stop the emit
    }
  }
  dir = tempDir();
}, 120_000);

describe("readParquetFile", () => {
  for (const codec of Object.keys(CODECS) as (keyof typeof CODECS)[]) {
    test(`${codec}: every §14 type decodes to the same lines as the rows form, across row groups`, async () => {
      const path = writeParquetFile(dir, `all-${codec}.parquet`, arrowTable(rows), codec, ROW_GROUP);
      let meta: { numRows: number; rowGroups: number[] } | undefined;
      expect(await arrowText(path, { onMeta: (m) => (meta = m) })).toBe(expectedLines.join("\n") + "\n");
      expect(meta).toEqual({ numRows: N, rowGroups: [64, 64, 64, 64, 44] });
      // serialized all in the worker, all here, or shared batch by batch: the same bytes
      for (const shareBelow of [0, 1, 2, 1000]) {
        expect(await recordsText(path, { shareBelow, batchSize: 20 }), `shareBelow ${shareBelow}`).toBe(expectedLines.join("\n") + "\n");
      }
      // the worker writes final lines when told the framing; another framing at encode still works
      expect(await recordsText(path, { shareBelow: 0, framing: FRAMING })).toBe(expectedLines.join("\n") + "\n");
      const other = { prefix: Buffer.from("<"), suffix: Buffer.from(">\n") };
      expect(await recordsText(path, { shareBelow: 0, framing: other })).toBe(expectedLines.join("\n") + "\n");
    });
  }

  test("startRow resumes at that exact row, skipping whole row groups", async () => {
    const path = writeParquetFile(dir, "resume.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    for (const startRow of [0, 1, 63, 64, 65, 150, 299, 300, 1000]) {
      const want = expectedLines.slice(startRow).map((l) => l + "\n").join("");
      expect(await arrowText(path, { startRow, batchSize: 50 }), `startRow ${startRow}`).toBe(want);
      expect(await recordsText(path, { startRow, batchSize: 50 }), `records startRow ${startRow}`).toBe(want);
    }
  });

  test("columns projects the file; output keeps the schema's column order", async () => {
    const path = writeParquetFile(dir, "proj.parquet", arrowTable(rows), "snappy", ROW_GROUP);
    const text = await arrowText(path, { columns: ["amount", "id"] });
    const first = JSON.parse(text.split("\n")[3]!).record.data;
    expect(Object.keys(first)).toEqual(["id", "amount"]);
    expect(first).toEqual({ id: "S-000003", amount: 12345678.125 });
  });
});

describe("broken files fail cleanly", () => {
  const good = () => parquetBytes(arrowTable(rows), "snappy", ROW_GROUP);
  const cases: [string, () => Uint8Array][] = [
    ["truncated to half", () => good().subarray(0, good().length >> 1)],
    ["footer cut", () => good().subarray(0, good().length - 3)],
    ["empty", () => new Uint8Array(0)],
    ["not Parquet", () => Buffer.from("<Error><Code>AccessDenied</Code></Error>")],
    ["data pages overwritten", () => {
      const b = Buffer.from(good());
      for (let k = 200; k < b.length - 2000; k += 7) b[k] = (b[k]! * 31 + 17) & 0xff;
      return b;
    }],
  ];
  for (const [label, make] of cases) {
    test(`${label} → CorruptParquetError, no hang, process alive`, async () => {
      const path = join(dir, `bad-${label.replace(/\W/g, "_")}.parquet`);
      writeFileSync(path, make());
      const err = await arrowText(path).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptParquetError);
      expect((err as CorruptParquetError).failureType).toBe("transient_error");
      expect((err as Error).message).toContain("corrupt or truncated Parquet file");
      // and a good file still decodes afterwards in the same process
      const ok = writeParquetFile(dir, "after-bad.parquet", arrowTable(rows.slice(0, 10)), "snappy", 4);
      expect((await arrowText(ok)).split("\n")).toHaveLength(11);
    }, 30_000);
  }

  test("file cut while being read → wasm panics (RuntimeError: unreachable) → CorruptParquetError, no hang", async () => {
    const path = writeParquetFile(dir, "cut-later.parquet", arrowTable(rows), "snappy", 16);
    let seen = 0;
    const err = await (async () => {
      for await (const _ of readParquetFile(path, { batchSize: 16, inFlight: 1 })) {
        if (seen++ === 0) truncateSync(path, 1000);
      }
    })().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptParquetError);
    expect(seen).toBeLessThan(N / 16);
  }, 30_000);

  test("abort stops the worker and rejects with the abort reason", async () => {
    const path = writeParquetFile(dir, "abort.parquet", arrowTable(rows), "zstd", 16);
    const ctl = new AbortController();
    const it = readParquetFile(path, { signal: ctl.signal, batchSize: 16 });
    await it.next();
    ctl.abort(new Error("stop now"));
    await expect(it.next()).rejects.toThrow("stop now");
  });
});

describe("ParquetDecoder (one decode thread for the files of an export)", () => {
  const all = expectedLines.join("\n") + "\n";

  test("files in a row reuse one thread, in both shapes; close() ends it", async () => {
    const path = writeParquetFile(dir, "reuse.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const decoder = new ParquetDecoder();
    try {
      for (let i = 0; i < 3; i++) {
        expect(await recordsText(path, { decoder, batchSize: 20 })).toBe(all);
        expect(await arrowText(path, { decoder, startRow: 100 })).toBe(expectedLines.slice(100).join("\n") + "\n");
      }
      expect(decoder.threadsStarted).toBe(1);
      expect(decoder.running).toBe(true);
    } finally {
      await decoder.close();
    }
    expect(decoder.running).toBe(false);
  }, 30_000);

  test("lines written by the thread are lent: given back, they go back to it (transferred), and the lines after that are still right", async () => {
    const path = writeParquetFile(dir, "lend.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const decoder = new ParquetDecoder();
    try {
      for (let pass = 0; pass < 3; pass++) {
        const chunks: Uint8Array[] = [];
        for await (const b of readParquetRecords(path, COLUMNS, { decoder, batchSize: 20, shareBelow: 0, framing: FRAMING })) chunks.push(...b.encode(FRAMING));
        expect(Buffer.concat(chunks).toString("utf8")).toBe(expectedLines.map((l) => l + "\n").join(""));
        for (const c of chunks) returnChunk(c);
        // transferred back to the decode thread: this thread's view of each buffer is detached
        expect(chunks.every((c) => c.buffer.byteLength === 0)).toBe(true);
      }
    } finally {
      await decoder.close();
    }
  }, 30_000);

  test("a corrupt file, a panic mid-file or a consumer that stops early retire the thread; the next file decodes on a fresh one", async () => {
    const good = writeParquetFile(dir, "reuse-good.parquet", arrowTable(rows), "snappy", 16);
    const bad = join(dir, "reuse-bad.parquet");
    writeFileSync(bad, parquetBytes(arrowTable(rows), "snappy", 16).subarray(0, 900));
    const decoder = new ParquetDecoder();
    try {
      expect(await arrowText(good, { decoder })).toBe(all);
      await expect(arrowText(bad, { decoder })).rejects.toBeInstanceOf(CorruptParquetError);
      expect(await arrowText(good, { decoder })).toBe(all);
      expect(decoder.threadsStarted).toBe(2);
      // panic while reading: the file is cut under the decoder
      const cut = writeParquetFile(dir, "reuse-cut.parquet", arrowTable(rows), "snappy", 16);
      let seen = 0;
      const err = await (async () => {
        for await (const _ of readParquetFile(cut, { decoder, batchSize: 16, inFlight: 1 })) if (seen++ === 0) truncateSync(cut, 1000);
      })().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptParquetError);
      expect(await recordsText(good, { decoder })).toBe(all);
      expect(decoder.threadsStarted).toBe(3);
      // stopping after one batch leaves the thread mid-file: it is not reused
      for await (const _ of readParquetRecords(good, COLUMNS, { decoder, batchSize: 16 })) break;
      expect(await recordsText(good, { decoder, batchSize: 20 })).toBe(all);
      expect(decoder.threadsStarted).toBe(4);
    } finally {
      await decoder.close();
    }
  }, 60_000);

  test("warm() starts the thread before any file; the first file runs on it; close() ends it", async () => {
    const path = writeParquetFile(dir, "warm.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    await recordsText(path); // the process's own threads (libuv pool, …) exist from here on
    const before = liveThreads();
    const decoder = new ParquetDecoder().warm();
    try {
      expect(decoder.running).toBe(true);
      expect(decoder.threadsStarted).toBe(1);
      expect(liveThreads()).toBe(before + 1);
      decoder.warm(); // warming a warm decoder starts nothing
      expect(await recordsText(path, { decoder })).toBe(all);
      expect(decoder.threadsStarted).toBe(1);
    } finally {
      await decoder.close();
    }
    expect(decoder.running).toBe(false);
    expect(await until(() => liveThreads() === before)).toBe(true);
  }, 30_000);

  test("a warm thread never given a file does not keep the process alive", () => {
    // Without unref the waiting thread would hold the child open until the timeout kills it.
    const script = join(dir, "warm-only.mjs");
    const module = pathToFileURL(resolve("dist/streams/export/parquet/parquet-reader.js")).href;
    writeFileSync(script, `import { ParquetDecoder } from ${JSON.stringify(module)};\nnew ParquetDecoder().warm();\nconsole.log("warmed");\n`);
    const t0 = Date.now();
    const child = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 20_000 });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe("warmed\n");
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 30_000);

  test("prepare(): the next file is opened ahead and its run starts from it; any other run discards it", async () => {
    const a = writeParquetFile(dir, "prep-a.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const b = writeParquetFile(dir, "prep-b.parquet", arrowTable(rows), "snappy", ROW_GROUP);
    const idle = (): Promise<void> => new Promise((r) => setTimeout(r, 1000)); // the thread prepares when idle
    const decoder = new ParquetDecoder();
    try {
      decoder.prepare(a); // no thread yet: only a hint, nothing is started for it
      expect(decoder.running).toBe(false);
      decoder.warm().prepare(a, { batchSize: 20 });
      await idle();
      expect(await recordsText(a, { decoder, batchSize: 20 })).toBe(all);
      expect(decoder.filesPrepared).toBe(1);
      // Prepared with other options, or another file: not used, and the right rows all the same.
      decoder.prepare(a);
      await idle();
      expect(await recordsText(a, { decoder, batchSize: 20 })).toBe(all);
      decoder.prepare(b);
      await idle();
      expect(await recordsText(a, { decoder })).toBe(all);
      expect(await recordsText(b, { decoder })).toBe(all);
      decoder.prepare(a);
      await idle();
      expect(await recordsText(a, { decoder, startRow: 100 })).toBe(expectedLines.slice(100).join("\n") + "\n");
      expect(decoder.filesPrepared).toBe(1);
      // Both shapes start from a prepared file.
      decoder.prepare(b);
      await idle();
      expect(await arrowText(b, { decoder })).toBe(all);
      expect(decoder.filesPrepared).toBe(2);
      expect(decoder.threadsStarted).toBe(1);
    } finally {
      await decoder.close();
    }
  }, 60_000);

  test("a run asked for while the thread is still opening another file ahead gets its credit and every row", async () => {
    const a = writeParquetFile(dir, "prep-race-a.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const big = writeParquetFile(dir, "prep-race-big.parquet", arrowTable(logicalRows(40_000)), "zstd", 40_000);
    const decoder = new ParquetDecoder().warm();
    try {
      expect(await recordsText(a, { decoder })).toBe(all); // the thread is up and idle
      // The run's `open` and `credit` reach the thread while it decodes `big`'s row group ahead.
      decoder.prepare(big);
      expect(await recordsText(a, { decoder })).toBe(all);
      decoder.prepare(a);
      expect(await recordsText(a, { decoder })).toBe(all);
    } finally {
      await decoder.close();
    }
  }, 30_000);

  test("prepare() of a corrupt, missing or not-Parquet file costs nothing but that: the next file decodes", async () => {
    const good = writeParquetFile(dir, "prep-good.parquet", arrowTable(rows), "snappy", 16);
    const cut = join(dir, "prep-cut.parquet");
    writeFileSync(cut, parquetBytes(arrowTable(rows), "snappy", 16).subarray(0, 900));
    const text = join(dir, "prep-text.parquet");
    writeFileSync(text, '{"id":1}\n');
    const decoder = new ParquetDecoder().warm();
    try {
      for (const path of [cut, text, join(dir, "prep-missing.parquet")]) {
        decoder.prepare(path);
        await new Promise((r) => setTimeout(r, 1000));
        expect(await recordsText(good, { decoder }), path).toBe(all);
      }
      // The corrupt file itself, when its run comes, still fails as corrupt (not as a hang).
      decoder.prepare(cut);
      await expect(recordsText(cut, { decoder })).rejects.toBeInstanceOf(CorruptParquetError);
      expect(decoder.filesPrepared).toBe(0);
    } finally {
      await decoder.close();
    }
  }, 60_000);

  test("a thread whose wasm memory passed the cap is replaced after its file", async () => {
    const path = writeParquetFile(dir, "reuse-cap.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const decoder = new ParquetDecoder({ wasmCapBytes: 1 });
    try {
      expect(await recordsText(path, { decoder })).toBe(all);
      expect(await recordsText(path, { decoder })).toBe(all);
      expect(decoder.threadsStarted).toBe(2);
    } finally {
      await decoder.close();
    }
  }, 30_000);
});

describe("a file given as an open descriptor (an export's nameless temp file, export-temp.ts)", () => {
  async function tempCopy(path: string): Promise<TempFile> {
    const temp = await TempFile.create(dir);
    await temp.write(readFileSync(path), 0);
    return temp;
  }

  test("decodes as from its path, on the thread, in both shapes, from any row", async () => {
    const temp = await tempCopy(writeParquetFile(dir, "fd.parquet", arrowTable(rows), "zstd", ROW_GROUP));
    const decoder = new ParquetDecoder();
    try {
      expect(await recordsText(temp, { decoder, batchSize: 20 })).toBe(expectedLines.join("\n") + "\n");
      expect(await arrowText(temp, { decoder, startRow: 100 })).toBe(expectedLines.slice(100).join("\n") + "\n");
      expect(decoder.threadsStarted).toBe(1);
    } finally {
      await decoder.close();
      await temp.close();
    }
  }, 30_000);

  test("release(): a file named to prepare() and not run since ends the thread (it may be reading it); a file that ran does not", async () => {
    const source = writeParquetFile(dir, "fd-prep.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const [a, b] = [await tempCopy(source), await tempCopy(source)];
    const decoder = new ParquetDecoder().warm();
    try {
      decoder.prepare(a);
      await decoder.release(b); // never named to the thread: nothing to wait for
      expect(decoder.running).toBe(true);
      await decoder.release(a);
      expect(decoder.running).toBe(false);
      decoder.warm().prepare(b);
      await new Promise((r) => setTimeout(r, 1000)); // the thread opens it ahead while idle
      expect(await recordsText(b, { decoder })).toBe(expectedLines.join("\n") + "\n");
      expect(decoder.filesPrepared).toBe(1);
      await decoder.release(b); // its run opened it and ended: the thread is done with it
      expect(decoder.running).toBe(true);
      expect(decoder.threadsStarted).toBe(2);
    } finally {
      await decoder.close();
      await Promise.all([a.close(), b.close()]);
    }
  }, 30_000);

  test("a file that shrinks under the thread → CorruptParquetError, no hang", async () => {
    const temp = await tempCopy(writeParquetFile(dir, "fd-cut.parquet", arrowTable(rows), "snappy", 16));
    try {
      let seen = 0;
      const err = await (async () => {
        for await (const _ of readParquetFile(temp, { batchSize: 16, inFlight: 1, name: "part-7.parquet" })) if (seen++ === 0) await temp.truncate(1000);
      })().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CorruptParquetError);
      expect((err as Error).message).toBe("corrupt or truncated Parquet file: part-7.parquet");
      expect(seen).toBeLessThan(N / 16);
    } finally {
      await temp.close();
    }
  }, 30_000);
});

describe("a decode failure is told by its cause: the file (transient, downloaded again), our bug or memory (system errors)", () => {
  test("a serializer bug in the decode thread → ParquetDecodeBugError (system_error) naming the file, not a corrupt file", async () => {
    const path = writeParquetFile(dir, "bug.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    // The real decode thread, with a bug planted in the serializer it runs (a module only this test
    // passes as ParquetDecoder's threadModule; the same dist modules, so the same ByteWriter class).
    const planted = join(dir, "planted-bug-worker.mjs");
    const module = (m: string): string => JSON.stringify(pathToFileURL(resolve(`dist/streams/${m}`)).href);
    writeFileSync(planted, [
      `import { ByteWriter } from ${module("encode/json-bytes.js")};`,
      `ByteWriter.prototype.utf8String = function () { throw new TypeError("planted: cannot write this string"); };`,
      `await import(${module("export/parquet/parquet-worker.js")});`,
    ].join("\n"));
    const decoder = new ParquetDecoder({ threadModule: pathToFileURL(planted) });
    try {
      // shareBelow 0: every batch is serialized in the thread
      const err = await recordsText(path, { decoder, shareBelow: 0 }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ParquetDecodeBugError);
      expect((err as ParquetDecodeBugError).failureType).toBe("system_error");
      expect((err as Error).message).toBe("Decoding bug.parquet failed on a bug in the connector, not on the file; please report it with this error");
      expect((err as ParquetDecodeBugError).internal).toBe("TypeError: planted: cannot write this string");
    } finally {
      await decoder.close();
    }
    // The same file on a sound thread decodes.
    expect(await recordsText(path, { shareBelow: 0 })).toBe(expectedLines.join("\n") + "\n");
  }, 30_000);

  test("the decode thread out of memory (ERR_WORKER_OUT_OF_MEMORY under its heap limit) → ParquetDecodeMemoryError (system_error) saying what to do", async () => {
    const path = writeParquetFile(dir, "oom.parquet", arrowTable(logicalRows(40_000)), "zstd", 40_000);
    const decoder = new ParquetDecoder({ resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } });
    try {
      const err = await recordsText(path, { decoder, shareBelow: 0 }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ParquetDecodeMemoryError);
      expect((err as ParquetDecodeMemoryError).failureType).toBe("system_error");
      expect((err as Error).message).toMatch(/^Decoding oom\.parquet ran out of memory \(the Parquet decode thread reached the heap limit\)\. Give the connector more memory .*, or read this stream with export_format "json" or read_mode "rows"$/);
      expect((err as ParquetDecodeMemoryError).internal).toMatch(/ERR_WORKER_OUT_OF_MEMORY|heap out of memory/);
    } finally {
      await decoder.close();
    }
  }, 30_000);

  test("the mapping (parquet-failure.ts), including wasm's 4 GiB ceiling, which this machine cannot reach for real", () => {
    const trap = Object.assign(new Error("unreachable"), { name: "RuntimeError" });
    expect(failureKind(new FileReadError("reading the file failed", { cause: new Error("Parquet argument error: External: Error strings stripped") }), 50e6)).toBe("corrupt");
    expect(failureKind(trap, 200e6)).toBe("corrupt"); // a panic on the bytes
    expect(failureKind(new FileReadError("reading the file failed", { cause: trap }), 200e6)).toBe("corrupt");
    expect(failureKind(trap, 3.5 * 1024 ** 3)).toBe("memory"); // a failed allocation near the ceiling
    expect(failureKind(new RangeError("Array buffer allocation failed"), 50e6)).toBe("memory");
    expect(failureKind(new TypeError("Cannot read properties of undefined (reading 'length')"), 50e6)).toBe("bug");
    expect(failureKind(Object.assign(new Error("could not be cloned"), { name: "DataCloneError" }), 50e6)).toBe("bug");
    expect(decodeFailure("memory", "part-1.parquet", "RuntimeError: unreachable").message).toMatch(/needs more than the decoder's 4 GiB of WebAssembly memory, whatever memory the connector has/);
  });
});

describe("memory bound", () => {
  test("a big row group is handed over in ≤ 16 k-row slices by default (both shapes)", async () => {
    const big = logicalRows(40_000);
    const path = writeParquetFile(dir, "big-group.parquet", arrowTable(big), "snappy", 40_000);
    const sizes: number[] = [];
    for await (const b of readParquetFile(path)) sizes.push(b.numRows);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(40_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16_384);
    const counts: number[] = [];
    for await (const b of readParquetRecords(path, COLUMNS)) counts.push(b.count);
    expect(Math.max(...counts)).toBeLessThanOrEqual(16_384);
  }, 60_000);
});

describe("framing", () => {
  test("given a framing, every batch carries it (Batch.framing) and is framed with it, whether serialized in the worker or here", async () => {
    const path = writeParquetFile(dir, "framed.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const framing = { prefix: Buffer.from('{"type":"RECORD","record":{"stream":"spend","emitted_at":42,"data":'), suffix: Buffer.from("}}\n") };
    for (const shareBelow of [0, 1000]) {
      const got: Batch[] = [];
      for await (const b of readParquetRecords(path, COLUMNS, { framing, shareBelow, batchSize: 20 })) got.push(b);
      expect(got.every((b) => b.framing === framing), `shareBelow ${shareBelow}`).toBe(true);
      const text = Buffer.concat(got.flatMap((b) => [...b.encode(b.framing!)])).toString("utf8");
      expect(text).toBe(expectedLines.map((l) => l.replace('"emitted_at":1,', '"emitted_at":42,')).join("\n") + "\n");
    }
    // Without one, batches leave the framing to whoever writes them.
    for await (const b of readParquetRecords(path, COLUMNS)) expect(b.framing).toBeUndefined();
  }, 30_000);
});

describe("readParquetCursorRecords", () => {
  test("each batch carries the highest cursor value of exactly its rows, serialized in the worker or here, after a resume skip", async () => {
    const path = writeParquetFile(dir, "cursor.parquet", arrowTable(rows), "zstd", ROW_GROUP);
    const tsOf = (i: number): number => (i === 0 ? Number.NEGATIVE_INFINITY : i === 1 ? -1 : 1768472430000 + i * 1001);
    for (const shareBelow of [0, 1000]) {
      for (const startRow of [0, 1, 70, 299]) {
        let at = startRow;
        const got: Batch[] = [];
        for await (const { batch, maxUpdatedAt } of readParquetCursorRecords(path, COLUMNS, "ts_ms", { startRow, shareBelow, batchSize: 20 })) {
          const want = Math.max(...Array.from({ length: batch.count }, (_, k) => tsOf(at + k)));
          // The record's text: UTC with the ms unit's 3 fraction digits.
          expect(maxUpdatedAt, `shareBelow ${shareBelow}, startRow ${startRow}, rows from ${at}`).toBe(Number.isFinite(want) ? new Date(want).toISOString() : undefined);
          at += batch.count;
          got.push(batch);
        }
        expect(at).toBe(N);
        expect(textOf(got)).toBe(expectedLines.slice(startRow).join("\n") + "\n");
      }
    }
  }, 60_000);
});
