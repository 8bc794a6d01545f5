/**
 * The export path's temp files have no name (export-temp.ts): created and unlinked at once, they exist
 * only as the reading process's descriptors, so no other read can remove them and a killed read leaves
 * nothing. Given two reads sharing TMPDIR, each as pid 1 of its own pid namespace (as in containers
 * sharing /tmp), the second starting while the first is mid-download, both read every row. Old versions'
 * leftovers are removed by age, never by pid. (SIGKILL chains: export-resume.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it, test } from "vitest";
import { startSimulator } from "../simulator/index.js";
import { LEFTOVER_AGE_MS, removeExportLeftovers, TempFile } from "../streams/export/export-temp.js";
import type { Logger } from "../streams/contract/stream.js";
import { openFdTargets } from "./export-helpers.js";
import { runCli } from "./helpers/cli.js";
import { describeRequiring } from "./helpers/requires.js";
import { baseConfig, catalogFor, expectValidRead, idsOf, recordsOf } from "./helpers/read-scenario.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "export-temp-test-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("TempFile", () => {
  it("has no name from the moment it exists: nothing in the root, yet it holds what is written", async () => {
    const temp = await TempFile.create(root);
    try {
      expect(readdirSync(root)).toEqual([]);
      await temp.write(Buffer.from("PAR1 and the rest"), 0);
      expect((await temp.read(5, 100)).toString()).toBe("and the rest");
      const chunks: Buffer[] = [];
      for await (const chunk of temp.chunks(4)) chunks.push(chunk);
      expect(chunks.map((c) => c.toString())).toEqual(["PAR1", " and", " the", " res", "t"]);
      expect(openFdTargets()).toContain(`${join(root, temp.id)} (deleted)`);
    } finally {
      await temp.close();
    }
    expect(openFdTargets().some((t) => t.startsWith(join(root, "ignite-export-")))).toBe(false);
    await temp.close(); // again: nothing
  });

  it("each one is its own file, with an id that is unique", async () => {
    const [a, b] = await Promise.all([TempFile.create(root), TempFile.create(root)]);
    try {
      expect(a.id).not.toBe(b.id);
      expect(a.fd).not.toBe(b.fd);
      await a.write(Buffer.from("a"), 0);
      expect((await b.read(0, 10)).length).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe("leftovers of killed reads (old versions' directories, a file caught between open and unlink)", () => {
  const old = (path: string): void => {
    const t = new Date(Date.now() - LEFTOVER_AGE_MS - 60_000);
    utimesSync(path, t, t);
  };
  function oldDir(name: string, touched = false): string {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, "0-part-0.parquet"), "bytes");
    if (!touched) old(join(root, name, "0-part-0.parquet"));
    old(join(root, name));
    return name;
  }
  /** A pid that surely ran and is gone: a child that has exited (and been reaped). */
  const deadPid = (): number => Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);

  it("removes what nobody touched for a day, and only that: never by pid", async () => {
    const gone = oldDir(`ignite-export-${process.pid}-aB3xYz`); // even one named with a live pid (ours)
    const inUse = oldDir(`ignite-export-${deadPid()}-Qw3rty`, true); // a dead pid, but a file in it changed: in use
    const recent = `ignite-export-${deadPid()}-Zx9vbn`;
    mkdirSync(join(root, recent));
    const stray = "ignite-export-0123abcd.tmp";
    writeFileSync(join(root, stray), "");
    old(join(root, stray));
    const fresh = "ignite-export-4567efab.tmp";
    writeFileSync(join(root, fresh), "");
    const other = oldDir("other-123-x");
    const lines: string[] = [];
    const logger: Logger = { log: () => undefined, info: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => undefined };
    expect((await removeExportLeftovers(logger, root)).sort()).toEqual([gone, stray].sort());
    expect(readdirSync(root).sort()).toEqual([inUse, recent, fresh, other].sort());
    expect(lines).toEqual(["Removed 2 export temp entries untouched for a day (left by reads that were killed)"]);
  });

  it("a temp root that cannot be read removes nothing and throws nothing", async () => {
    expect(await removeExportLeftovers({ log() {}, info() {}, warn() {}, debug() {} }, join(root, "missing"))).toEqual([]);
  });
});

/** Runs Node as pid 1 of a new pid namespace (a user namespace makes that possible without root). */
const PID1 = ["unshare", "--user", "--map-root-user", "--pid", "--fork"];
const pid1 = spawnSync(PID1[0]!, [...PID1.slice(1), process.execPath, "-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
const pid1Missing = pid1.stdout === "1" ? undefined : `cannot run Node as pid 1 of a new pid namespace (${pid1.error?.message ?? pid1.stderr.trim()})`;

describeRequiring("two export reads sharing TMPDIR, both pid 1", pid1Missing, () => {
  test(
    "the second starts while the first is mid-download: it removes nothing of the first's; both read every row; TMPDIR stays empty",
    async () => {
      const sim = await startSimulator({ seed: 11, rows: { spend: 4000 }, maxFileRows: 2000, exportDelayMs: 50 });
      try {
        const config = baseConfig(sim, { read_mode: "export", export_format: "parquet" });
        const catalog = await catalogFor(config, ["spend"]);
        // The first read's first download waits 8 s for its first byte: its temp file exists, empty.
        sim.setFaults({ download: { nth: 1, slowMs: 8000 } });
        const read = () => runCli({ args: ["read"], config, catalog, env: { TMPDIR: root }, wrapper: PID1 });
        const first = read();
        for (let waited = 0; (sim.counters()["download"] ?? 0) === 0; waited += 50) {
          if (waited > 60_000) throw new Error("the first read never started its download");
          await sleep(50);
        }
        // Long enough that the first read's file is older than the second process (what pid 1's sweep in
        // earlier versions took for an earlier run of its own); its download still has seconds to go.
        await sleep(2500);
        const second = await read();
        const done = await first;
        for (const [label, r] of [["first", done], ["second", second]] as const) {
          expect(r.exitCode, `${label}: ${r.stderr.slice(-1500)}`).toBe(0);
          expectValidRead(r, ["spend"]);
          expect(new Set(idsOf(recordsOf(r.messages, "spend"), "id")).size, label).toBe(4000);
        }
        expect(sim.counters()["download"]).toBe(4); // 2 files each: nothing had to be fetched again
        expect(readdirSync(root)).toEqual([]);
      } finally {
        await sim.close();
      }
    },
    120_000,
  );
});
