/**
 * The export path's temp files, owned without a name. Each is created under a random name (O_EXCL) and
 * unlinked at once: from then on it is only an open file descriptor of this process. No other read can
 * find it, so none can delete it (another sync sharing /tmp, even one with the same pid, as pid 1 in
 * containers is), and however the process ends (SIGKILL, out of memory) the kernel frees it with the
 * process: nothing is left for a later run to sweep. The decode thread reads it through the same
 * descriptor (descriptors are process-wide), parquet-worker-files.ts.
 *
 * What a run can still find in TMPDIR is old: directories of versions that named them with their pid
 * (`ignite-export-<pid>-…`), or a file created in the instant between open and unlink. Those are removed
 * by age, never by pid: a pid says nothing across containers.
 */
import { randomBytes } from "node:crypto";
import { lstat, open, readdir, rm, unlink, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../contract/stream.js";

const PREFIX = "ignite-export-";
/**
 * A leftover is this long untouched before it is removed. A live read of an old version writes its
 * downloads into its directory (a download changes it every second or so) and a file of this version is
 * unlinked microseconds after creation; a day of silence means nobody is using it.
 */
export const LEFTOVER_AGE_MS = 24 * 3_600_000;

/**
 * One nameless temp file. Reads and writes go through these methods, at explicit offsets, never through
 * an fs stream: destroying an fs stream closes the descriptor it reads, and this file must stay open
 * until `close()`.
 */
export class TempFile {
  #closing: Promise<void> | undefined;

  private constructor(
    private readonly handle: FileHandle,
    /** Unique in this process: names the file to the decode thread, where a descriptor number may be reused. */
    readonly id: string,
    /** Set where unlinking an open file is refused (Windows): the file is removed when closed instead. */
    private readonly path: string | undefined,
  ) {}

  static async create(root: string = tmpdir()): Promise<TempFile> {
    const id = `${PREFIX}${randomBytes(12).toString("hex")}.tmp`;
    const path = join(root, id);
    const handle = await open(path, "wx+", 0o600);
    try {
      await unlink(path);
      return new TempFile(handle, id, undefined);
    } catch {
      return new TempFile(handle, id, path);
    }
  }

  get fd(): number {
    return this.handle.fd;
  }

  /** Writes all of `bytes` at `position`. */
  async write(bytes: Uint8Array, position: number): Promise<void> {
    for (let done = 0; done < bytes.length; ) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }

  truncate(length = 0): Promise<void> {
    return this.handle.truncate(length);
  }

  /** Up to `length` bytes from `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    const bytes = Buffer.allocUnsafe(length); // only what was read is handed out
    const { bytesRead } = await this.handle.read(bytes, 0, length, position);
    return bytes.subarray(0, bytesRead);
  }

  /** The whole file from its start, in chunks of up to `chunkBytes`. */
  async *chunks(chunkBytes = 1 << 20): AsyncGenerator<Buffer> {
    for (let position = 0; ; ) {
      const chunk = await this.read(position, chunkBytes);
      if (chunk.length === 0) return;
      position += chunk.length;
      yield chunk;
    }
  }

  /**
   * Frees the file; again is a no-op. Waits for this thread's reads and writes on it first; the decode
   * thread's reads must have ended before (ParquetDecoder.release).
   */
  close(): Promise<void> {
    this.#closing ??= this.handle.close().then(async () => {
      if (this.path !== undefined) await rm(this.path, { force: true });
    });
    return this.#closing;
  }
}

/** The sweep of the process's temp dir, started by the first export stream of the read. */
let sweep: Promise<unknown> | undefined;

/**
 * removeExportLeftovers on the system temp dir, once per process: the streams of a read export
 * concurrently, and each would otherwise scan the same TMPDIR and log the same removals.
 */
export async function sweepLeftoversOnce(logger: Logger): Promise<void> {
  sweep ??= removeExportLeftovers(logger);
  await sweep;
}

/** Removes export leftovers in `root` (see the top of this file) and logs how many there were. */
export async function removeExportLeftovers(logger: Logger, root: string = tmpdir()): Promise<string[]> {
  const removed = await findLeftovers(root, Date.now());
  for (const name of removed) await rm(join(root, name), { recursive: true, force: true }).catch(() => undefined);
  if (removed.length > 0) logger.info(`Removed ${removed.length} export temp ${removed.length === 1 ? "entry" : "entries"} untouched for a day (left by reads that were killed)`);
  return removed;
}

/** `ignite-export-*` entries of this user untouched (nor anything in them) for LEFTOVER_AGE_MS. */
async function findLeftovers(root: string, now: number): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(root)).filter((n) => n.startsWith(PREFIX));
  } catch {
    return []; // an unreadable temp root: creating a file there will say what is wrong
  }
  const uid = process.getuid?.();
  const old: string[] = [];
  for (const name of names) {
    try {
      const path = join(root, name);
      const info = await lstat(path);
      if (uid !== undefined && info.uid !== uid) continue;
      let newest = info.mtimeMs;
      if (info.isDirectory()) for (const inner of await readdir(path)) newest = Math.max(newest, (await lstat(join(path, inner))).mtimeMs);
      if (now - newest >= LEFTOVER_AGE_MS) old.push(name);
    } catch {
      // Gone meanwhile, or not ours to look into: either way not ours to remove.
    }
  }
  return old;
}
