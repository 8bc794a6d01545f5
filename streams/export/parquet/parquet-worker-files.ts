/**
 * Opening Parquet files in the decode worker (parquet-worker.ts), and opening the next one ahead.
 *
 * parquet-wasm decodes a whole row group when its first batch is asked for (~150-250 ms per 100 k
 * rows, zstd); the batches after it come for free. At a file boundary the parent is still writing the
 * previous file's last batches while this thread has nothing to do, and then the parent waits while
 * this thread decodes the new file's first row group. So the parent names the next file as soon as it
 * is downloaded (`prepare`), and the idle thread opens it and decodes that first row group in advance;
 * the job for that file then starts from it. A file that fails here is simply dropped: its job opens
 * it again and reports what is wrong (a wasm panic ends the thread, which the parent replaces).
 *
 * A file is a path, or a descriptor of this process: the export path's temp files have no name
 * (export-temp.ts). The thread reads those through the descriptor, which the parent keeps open until
 * the thread is done with it (ParquetDecoder.release).
 */
import { fstat, openAsBlob, read } from "node:fs";
import { ParquetFile, type RecordBatch as WasmBatch } from "parquet-wasm";
import { sourceKey, type OpenInput } from "./parquet-source.js";

export interface OpenedFile {
  /** Rows per row group, all of the file's. */
  readonly groups: number[];
  /** Rows to cut from the first batch (a resume inside a row group). */
  readonly skip: number;
  /** Whether it was opened ahead (`prepare`); the parent counts these. */
  readonly prepared: boolean;
  readonly batches: AsyncIterable<WasmBatch>;
  free(): void;
}

let ahead: { key: string; opened: OpenedFile; first: IteratorResult<WasmBatch> } | undefined;

const keyOf = (input: OpenInput): string => JSON.stringify([sourceKey(input.file), input.batchSize, input.columns ?? null]);

/** Opens a file for a job: the one opened ahead when it is this very file from its start, else anew. */
export async function openFile(input: OpenInput): Promise<OpenedFile> {
  const slot = ahead;
  ahead = undefined;
  if (slot !== undefined && input.startRow === 0 && slot.key === keyOf(input)) {
    return { ...slot.opened, prepared: true, batches: startingWith(slot.first, slot.opened.batches) };
  }
  dropAhead(slot);
  return open(input);
}

/** Opens `input` (from its start) and decodes its first row group, for the job that will ask for it. */
export async function prepareFile(input: OpenInput): Promise<void> {
  dropAhead(ahead);
  ahead = undefined;
  let opened: OpenedFile | undefined;
  try {
    opened = await open({ ...input, startRow: 0 });
    const it = opened.batches[Symbol.asyncIterator]();
    const first = await it.next();
    ahead = { key: keyOf(input), opened: { ...opened, batches: { [Symbol.asyncIterator]: () => it } }, first };
  } catch {
    opened?.free(); // not Parquet, corrupt or gone: its job will say so
  }
}

/** Forgets the file opened ahead (it was not asked for), freeing its wasm memory. */
function dropAhead(slot: typeof ahead): void {
  if (slot === undefined) return;
  if (slot.first.done !== true) slot.first.value.free();
  slot.opened.free();
}

async function open(input: OpenInput): Promise<OpenedFile> {
  const file = await ParquetFile.fromFile(typeof input.file === "string" ? await openAsBlob(input.file) : await descriptorBlob(input.file.fd));
  try {
    const meta = file.metadata();
    const groups = meta.rowGroups().map((g) => {
      const n = g.numRows();
      g.free();
      return n;
    });
    meta.free();
    // Whole row groups before startRow are never read; the rest of the skip is cut from the first batch.
    let skip = input.startRow;
    const wanted: number[] = [];
    groups.forEach((n, g) => {
      if (skip >= n && wanted.length === 0) skip -= n;
      else wanted.push(g);
    });
    const batches =
      wanted.length === 0
        ? emptyBatches()
        : ((await file.stream({
            batchSize: input.batchSize,
            rowGroups: wanted,
            ...(input.columns === undefined ? {} : { columns: [...input.columns] }),
          })) as unknown as AsyncIterable<WasmBatch>);
    return { groups, skip, prepared: false, batches, free: () => file.free() };
  } catch (error) {
    file.free();
    throw error;
  }
}

async function* emptyBatches(): AsyncGenerator<WasmBatch> {}

async function* startingWith(first: IteratorResult<WasmBatch>, rest: AsyncIterable<WasmBatch>): AsyncGenerator<WasmBatch> {
  if (first.done === true) return;
  yield first.value;
  yield* rest;
}

/**
 * The file behind a descriptor as the Blob parquet-wasm reads (it uses `size` and `slice(a, b)
 * .arrayBuffer()` only; parquet-arrow.md §1.2). Each slice is read at its offset, so reads never share
 * a file position. A read that comes up short (the file shrank) throws, which parquet-wasm turns into
 * a panic, reported as a corrupt file, as with a path whose file changed.
 */
async function descriptorBlob(fd: number): Promise<Blob> {
  const size = await new Promise<number>((resolve, reject) => fstat(fd, (err, stats) => (err ? reject(err) : resolve(stats.size))));
  const slice = (start: number, end: number): Blob =>
    ({
      size: end - start,
      slice: (from = 0, to = end - start) => slice(Math.min(end, start + from), Math.min(end, start + Math.max(from, to))),
      arrayBuffer: () => readRange(fd, start, end),
    }) as unknown as Blob;
  return slice(0, size);
}

async function readRange(fd: number, start: number, end: number): Promise<ArrayBuffer> {
  const bytes = Buffer.allocUnsafeSlow(end - start); // an ArrayBuffer of exactly this size, not a pool slice
  for (let done = 0; done < bytes.length; ) {
    const n = await new Promise<number>((resolve, reject) =>
      read(fd, bytes, done, bytes.length - done, start + done, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))),
    );
    if (n === 0) throw new Error(`the file ended at byte ${start + done}, before byte ${end}`);
    done += n;
  }
  return bytes.buffer as ArrayBuffer;
}
