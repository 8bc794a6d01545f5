/**
 * Given a temp root holding export directories of this process, of running and of dead processes, and
 * look-alikes, when a read creates its directory, then only the dead processes' directories are removed
 * (and ones named with this process's pid that are older than this process).
 * (The end-to-end case, runs killed with SIGKILL and resumed, is in export-resume.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createExportTempDir, removeOrphanedExportDirs } from "../streams/export-temp.js";
import type { Logger } from "../streams/types.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "export-temp-test-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A pid that surely ran and is gone: a child that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

function dir(name: string): string {
  mkdirSync(join(root, name));
  writeFileSync(join(root, name, "part-0.parquet"), "bytes");
  return name;
}

describe("export temp directories", () => {
  it("removes the directories of processes that are gone, and nothing else", async () => {
    const dead = deadPid();
    const gone = dir(`ignite-export-${dead}-aB3xYz`);
    const mine = dir(`ignite-export-${process.pid}-Qw3rty`);
    const parents = dir(`ignite-export-${process.ppid}-Zx9vbn`); // a running process
    const legacy = dir("ignite-export-AbC123"); // no pid in the name: whose it is cannot be known
    const other = dir(`other-${dead}-x`);
    writeFileSync(join(root, `ignite-export-${dead}-file`), "not a directory");

    expect(await removeOrphanedExportDirs(root)).toEqual([gone]);
    expect(readdirSync(root).sort()).toEqual([mine, parents, legacy, other, `ignite-export-${dead}-file`].sort());
  });

  it("removes a directory named with this process's pid only when it is older than this process", async () => {
    // In a container the connector is often pid 1 on every run: a mounted /tmp can hold an earlier run's directory.
    const earlier = dir(`ignite-export-${process.pid}-earlie`);
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(root, earlier), hourAgo, hourAgo);
    const current = dir(`ignite-export-${process.pid}-curren`); // as another stream of this read would have it
    expect(await removeOrphanedExportDirs(root, () => true)).toEqual([earlier]);
    expect(readdirSync(root)).toEqual([current]);
  });

  it("asks whether each process runs, and keeps the directories of those that do", async () => {
    const a = dir("ignite-export-111111-aaaaaa");
    const b = dir("ignite-export-222222-bbbbbb");
    const asked: number[] = [];
    const removed = await removeOrphanedExportDirs(root, (pid) => {
      asked.push(pid);
      return pid === 222222;
    });
    expect(removed).toEqual([a]);
    expect(asked.sort()).toEqual([111111, 222222]);
    expect(readdirSync(root)).toEqual([b]);
  });

  it("a new read's directory is named with its pid, after the sweep, which it logs", async () => {
    dir(`ignite-export-${deadPid()}-old111`);
    const lines: string[] = [];
    const logger: Logger = { log: () => undefined, info: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => undefined };
    const made = await createExportTempDir(logger, root);
    expect(made.startsWith(join(root, `ignite-export-${process.pid}-`))).toBe(true);
    expect(readdirSync(root)).toEqual([made.slice(root.length + 1)]);
    expect(lines).toEqual(["Removed 1 export temp directory left by reads that were killed"]);
  });

  it("a temp root that cannot be read removes nothing and throws nothing", async () => {
    expect(await removeOrphanedExportDirs(join(root, "missing"))).toEqual([]);
  });
});
