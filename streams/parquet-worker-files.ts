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
 */
import { openAsBlob } from "node:fs";
import { ParquetFile, type RecordBatch as WasmBatch } from "parquet-wasm";

/** What a file is opened with (the rest of a job's input does not change the batches). */
export interface OpenInput {
  readonly path: string;
  readonly columns?: readonly string[];
  readonly startRow: number;
  readonly batchSize: number;
}

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

const keyOf = (input: OpenInput): string => JSON.stringify([input.path, input.batchSize, input.columns ?? null]);

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
  const file = await ParquetFile.fromFile(await openAsBlob(input.path));
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
