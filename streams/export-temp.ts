/**
 * The export path's temp directories: one per export read, named with the process id, so that a later
 * read can remove what a killed one (SIGKILL, out of memory) could not: directories whose process is gone.
 * A read removes its own directory in a `finally`; this is for the deaths no `finally` sees.
 */
import { lstat, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "./types.js";

const PREFIX = "ignite-export-";
const OWNED = /^ignite-export-(\d+)-/;
/** A directory of our own pid changed this close to our start might be ours: keep it (the next run removes it). */
const START_MARGIN_MS = 2000;

/** A new temp directory for one export read, after removing the ones dead processes left. */
export async function createExportTempDir(logger: Logger, root: string = tmpdir()): Promise<string> {
  const removed = await removeOrphanedExportDirs(root);
  if (removed.length > 0) logger.info(`Removed ${removed.length} export temp director${removed.length === 1 ? "y" : "ies"} left by reads that were killed`);
  return mkdtemp(join(root, `${PREFIX}${process.pid}-`));
}

/**
 * Removes `ignite-export-<pid>-*` directories in `root` that belong to this user and to a process that
 * no longer runs; returns their names. Never another user's, never one whose process is alive, and of
 * those named with this process's pid only ones older than this process: in a container the connector
 * is often pid 1 on every run, so a mounted /tmp can hold an earlier run's directory under our own pid,
 * while another stream of this read may be using a newer one.
 */
export async function removeOrphanedExportDirs(root: string, isRunning: (pid: number) => boolean = processRunning): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return []; // an unreadable temp root: mkdtemp will say what is wrong
  }
  const uid = process.getuid?.();
  const startedMs = Date.now() - process.uptime() * 1000 - START_MARGIN_MS;
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(OWNED.exec(name)?.[1]);
    const mine = pid === process.pid;
    if (!Number.isSafeInteger(pid) || pid <= 0 || (!mine && isRunning(pid))) continue;
    const path = join(root, name);
    try {
      const info = await lstat(path);
      if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
      if (mine && info.mtimeMs >= startedMs) continue; // made (or last changed) by this process
      await rm(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove: either way nothing to do.
    }
  }
  return removed;
}

/** Signal 0 tests for existence: EPERM means the process exists under another user. */
function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
