/**
 * ExportJobReader over the simulator (real HTTP, real Parquet files): the next file downloads while the
 * current one is decoded (one file ahead, each after a fresh status poll), the file ahead is closed when
 * the read stops early, and positions still name rows already emitted. The temp files have no name
 * (export-temp.ts): they are counted as this process's descriptors of deleted files in the test's temp
 * root (/proc/self/fd, Linux), and the root itself stays empty throughout.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { validateConfig } from "../source/config.js";
import { recordFraming } from "../source/messages.js";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { IgniteClient, type ExportHandle } from "../streams/http/client.js";
import { ExportJobReader, type JobStep } from "../streams/export/export-job.js";
import { pollExport } from "../streams/export/export-poll.js";
import type { ExportFileRef } from "../streams/export/export-status.js";
import { compileSerializer } from "../streams/encode/record-serializer.js";
import type { ReadContext, RecordFraming } from "../streams/contract/stream.js";
import { openFdTargets } from "./export-helpers.js";

const ROWS = 1500;
const FILE_ROWS = 500;
let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ seed: 3, rows: { spend: ROWS }, maxFileRows: FILE_ROWS, exportDelayMs: 50 });
  dir = mkdtempSync(join(tmpdir(), "prefetch-test-"));
}, 60_000);
afterAll(async () => {
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(): Promise<{ reader: ExportJobReader; ctx: ReadContext; handle: ExportHandle; files: ExportFileRef[]; abort: AbortController; framings: RecordFraming[] }> {
  const logger = { log() {}, info() {}, warn() {}, debug() {} };
  const { config } = validateConfig({ api_token: sim.token, base_url: sim.url });
  const client = new IgniteClient({ config, logger });
  const abort = new AbortController();
  const framings: RecordFraming[] = [];
  const ctx: ReadContext = {
    syncMode: "full_refresh",
    selectedProperties: [],
    state: undefined,
    logger,
    events: { rateLimited() {}, estimate() {} },
    signal: abort.signal,
    now: () => Date.now(),
    recordFraming: () => {
      framings.push(recordFraming({ name: "spend" }, Date.now()));
      return framings.at(-1)!;
    },
  };
  const created = await client.createExport("spend", { fields: ["id"], format: "parquet" });
  const outcome = await pollExport({ client, handle: created, createdAtMs: Date.now(), deadlineMs: Date.now() + 30_000 }, ctx);
  if (outcome.kind !== "ready") throw new Error(`export not ready: ${outcome.kind}`);
  expect(outcome.files).toHaveLength(ROWS / FILE_ROWS);
  const serializer = compileSerializer([{ key: "id", source: "id", dataType: "STRING" }]);
  const reader = new ExportJobReader({ client, tempRoot: dir, cursorColumn: undefined, arrowColumns: serializer.columns, jsonSerializer: serializer });
  return { reader, ctx, handle: outcome.handle, files: outcome.files, abort, framings };
}

/** Temp files open in this process under the test's root (each unlinked: nothing of it is in `dir`). */
function openTempFiles(): number {
  const n = openFdTargets().filter((target) => target.startsWith(`${dir}/ignite-export-`) && target.endsWith(" (deleted)")).length;
  expect(readdirSync(dir)).toEqual([]);
  return n;
}

async function until(what: () => boolean, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return what();
}

describe("ExportJobReader downloads one file ahead", () => {
  test("file n+1 downloads (after a fresh poll) while file n's rows are still being taken; positions are unchanged", async () => {
    const { reader, ctx, handle, files } = await setup();
    sim.resetCounters();
    const it = reader.read({ handle, fileIndex: 0, rowOffset: 0 }, files, ctx);
    const first = await it.next();
    expect(first.value).toMatchObject({ kind: "rows", fileIndex: 0 });
    // Consumer paused inside file 0: file 1 still arrives, on disk, and no further.
    expect(await until(() => (sim.counters()["download:200"] ?? 0) === 2 && openTempFiles() === 2)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.counters()["download:200"]).toBe(2);
    const polls = sim.counters()["exportStatus"] ?? 0;
    expect(polls).toBe(1); // file 0 used the listing that saw the job succeed; file 1 polled right before its download

    const steps: JobStep[] = [first.value as JobStep];
    for await (const step of { [Symbol.asyncIterator]: () => it }) steps.push(step);
    const rows = steps.filter((s) => s.kind === "rows");
    expect(rows.reduce((n, s) => n + s.batch.count, 0)).toBe(ROWS);
    // Each position names rows already emitted: the running count within the file, then the next file at 0.
    let expected = 0;
    for (const s of steps) {
      if (s.kind === "rows") expect(s.rowOffset).toBe((expected += s.batch.count));
      else {
        expect(expected).toBe(FILE_ROWS);
        expected = 0;
      }
    }
    expect(sim.counters()["download:200"]).toBe(3);
    expect(sim.counters()["exportStatus"]).toBe(2);
    expect(openTempFiles()).toBe(0);
  }, 60_000);

  test("each file's batches come framed (Batch.framing) with the framing taken from the context when its decode began", async () => {
    const { reader, ctx, handle, files, framings } = await setup();
    const perFile = new Map<number, Set<RecordFraming | undefined>>();
    const lines: string[] = [];
    for await (const step of reader.read({ handle, fileIndex: 0, rowOffset: 0 }, files, ctx)) {
      if (step.kind !== "rows") continue;
      perFile.set(step.fileIndex, (perFile.get(step.fileIndex) ?? new Set()).add(step.batch.framing));
      lines.push(...Buffer.concat([...step.batch.encode(step.batch.framing!)]).toString("utf8").split("\n").slice(0, -1));
    }
    expect(framings).toHaveLength(files.length); // one per file
    expect([...perFile.entries()]).toEqual(framings.map((f, i) => [i, new Set([f])]));
    expect(lines).toHaveLength(ROWS);
    const prefixes = new Set(framings.map((f) => Buffer.from(f.prefix).toString("utf8")));
    for (const line of lines) {
      const data = JSON.parse(line) as { type: string; record: { stream: string; emitted_at: number; data: { id: string } } };
      expect(data).toMatchObject({ type: "RECORD", record: { stream: "spend" } });
      expect(prefixes.has(line.slice(0, line.indexOf('"data":') + 7))).toBe(true);
    }
  }, 60_000);

  test("stopping mid-file, while the file ahead is still downloading, closes both files and returns promptly", async () => {
    const { reader, ctx, handle, files } = await setup();
    sim.setFaults({ download: { nth: 2, slowMs: 20_000 } });
    try {
      sim.resetCounters();
      const it = reader.read({ handle, fileIndex: 0, rowOffset: 0 }, files, ctx);
      await it.next();
      expect(await until(() => openTempFiles() === 2)).toBe(true); // file 0 + file 1 being written
      const t0 = Date.now();
      await it.return(undefined);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(openTempFiles()).toBe(0);
    } finally {
      sim.setFaults({});
    }
  }, 60_000);

  test("an abort while the file ahead downloads rejects with the abort and leaves no file", async () => {
    const { reader, ctx, handle, files, abort } = await setup();
    sim.setFaults({ download: { nth: 2, slowMs: 20_000 } });
    try {
      sim.resetCounters();
      const it = reader.read({ handle, fileIndex: 0, rowOffset: 0 }, files, ctx);
      await it.next();
      expect(await until(() => openTempFiles() === 2)).toBe(true);
      abort.abort(new Error("stop now"));
      const drain = async (): Promise<void> => {
        while (!(await it.next()).done);
      };
      await expect(drain()).rejects.toThrow();
      expect(openTempFiles()).toBe(0);
    } finally {
      sim.setFaults({});
    }
  }, 60_000);
});
