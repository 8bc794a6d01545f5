/**
 * Worker-thread entry: decodes Parquet files with parquet-wasm, one file per job and one row group at a
 * time, and posts each batch to the parent either as Arrow IPC bytes or, in `records` mode, already
 * serialized as data-object lines (NDJSON of the `data` objects, one per record). The thread serves the
 * jobs of one export in turn, so wasm is compiled and warmed up once, not once per file.
 *
 * Why a worker: parquet-wasm's async paths panic on corrupt input with an uncatchable
 * `RuntimeError: unreachable` and a promise that never settles, and wasm memory never shrinks.
 * Here a panic ends the thread (the parent sees `error`/`exit` and starts another one), and
 * terminating the thread releases the wasm memory (the parent does when it passes a cap).
 *
 * A failure is reported with what caused it (parquet-failure.ts), since the parent's answer differs.
 */
import { parentPort } from "node:worker_threads";
import { Type, type DataType, type Dictionary, type RecordBatch as ArrowBatch } from "apache-arrow";
import { parseRecordBatch } from "arrow-js-ffi";
import { wasmMemory, type RecordBatch as WasmBatch } from "parquet-wasm";
import { adoptBuffer } from "../../contract/chunk-pool.js";
import { maxTimestampText } from "./arrow-cursor.js";
import { failureDetail, failureKind, FileReadError, type FailureKind } from "./parquet-failure.js";
import { sourceKey, type OpenInput } from "./parquet-source.js";
import { openFile, prepareFile } from "./parquet-worker-files.js";
import { compileArrowSerializer } from "../../encode/arrow-serializer.js";
import type { OutputColumn } from "../../encode/record-serializer.js";

export interface ParquetWorkerInput extends OpenInput {
  /**
   * Present: share the serializing with the parent. A batch goes to the parent as IPC while fewer
   * than `shareBelow` of the IPC batches it was sent are not yet encoded (it would idle otherwise);
   * beyond that the worker serializes it here and posts data lines. 0 = always here.
   */
  readonly serialize?: readonly OutputColumn[];
  readonly shareBelow?: number;
  /** The framing the parent expects to use; lines are written with it (must end in one `\n`). */
  readonly framing?: { prefix: Uint8Array; suffix: Uint8Array };
  /** Present: `lines` carry the highest value of this column (epoch ms) over the rows they hold. */
  readonly cursorColumn?: string;
}

/** Worker → parent; `job` says which job a message belongs to (late messages of an old job are dropped). */
export type ParquetWorkerMessage = { job: number } & (
  /** `prepared`: the file was opened (and its first row group decoded) ahead of its job. */
  | { type: "meta"; numRows: number; rowGroups: number[]; prepared: boolean }
  | { type: "ipc"; ipc: Uint8Array; skip: number; rows: number }
  | { type: "lines"; lines: Uint8Array[]; count: number; maxUpdatedAt: string | undefined }
  /** `wasmBytes`: the wasm memory now (it never shrinks; the parent recycles the thread past a cap). */
  | { type: "end"; wasmBytes: number }
  | { type: "error"; kind: FailureKind; message: string }
);

/**
 * Parent → worker. Credits and `encoded` of another job than the running one are ignored. `prepare`
 * names a file that a job will likely ask for next: the thread opens it when it has nothing else to do.
 */
export type ParquetWorkerCommand =
  | { type: "open"; job: number; input: ParquetWorkerInput }
  /** Buffers of `lines` the parent has written, sent back for the next lines (contract/chunk-pool.ts). */
  | { type: "buffers"; buffers: ArrayBuffer[] }
  | { type: "prepare"; input: OpenInput }
  | { type: "credit"; job: number; n: number }
  | { type: "encoded"; job: number };

const DATA_LINES = { prefix: new Uint8Array(0), suffix: new Uint8Array([0x0a]) };

const port = parentPort!;
/** Jobs not started yet, with the credit the parent already gave them (it sends it right after `open`). */
const pending: { job: number; input: ParquetWorkerInput; credit: number }[] = [];
let current = -1;
let credit = 0;
let sharedOut = 0; // IPC batches of the current job the parent has not finished encoding
let wake: (() => void) | undefined;
let next: OpenInput | undefined; // the file to open ahead when idle
let currentKey: string | undefined;
port.on("message", (m: ParquetWorkerCommand) => {
  if (m.type === "buffers") {
    for (const buffer of m.buffers) adoptBuffer(buffer);
    return;
  }
  if (m.type === "open") pending.push({ job: m.job, input: m.input, credit: 0 });
  else if (m.type === "prepare") {
    // A hint that arrives after its file's job (a race with the download) would only open it twice.
    const key = sourceKey(m.input.file);
    if (key !== currentKey && !pending.some((p) => sourceKey(p.input.file) === key)) next = m.input;
  } else if (m.job === current) {
    if (m.type === "credit") credit += m.n;
    else sharedOut--;
  } else if (m.type === "credit") {
    // A job that waits behind the current one (or behind a file being opened ahead) keeps its credit.
    const waiting = pending.find((p) => p.job === m.job);
    if (waiting === undefined) return;
    waiting.credit += m.n;
  } else return;
  wake?.();
});

/**
 * Waits for a message. The port is referenced only while waiting: during a decode it is not, so if wasm
 * panics and its promise never settles, the thread runs out of work and exits, which the parent
 * reports, instead of hanging forever.
 */
async function nextMessage(): Promise<void> {
  port.ref();
  await new Promise<void>((resolve) => (wake = resolve));
  wake = undefined;
  port.unref();
}

async function serve(): Promise<void> {
  for (;;) {
    while (pending.length === 0) {
      const ahead = next;
      next = undefined;
      if (ahead !== undefined) await prepareFile(ahead);
      else await nextMessage();
    }
    const { job, input, credit: given } = pending.shift()!;
    if (next !== undefined && sourceKey(next.file) === sourceKey(input.file)) next = undefined; // its job came first: nothing to open ahead
    current = job;
    currentKey = sourceKey(input.file);
    credit = given;
    sharedOut = 0;
    try {
      await decode(job, input);
      port.postMessage({ job, type: "end", wasmBytes: wasmMemory().buffer.byteLength } satisfies ParquetWorkerMessage);
    } catch (err) {
      // The parent stops using this thread after an error: wasm state after a failed decode is not trusted.
      reportFailure(job, err);
    }
  }
}

function reportFailure(job: number, err: unknown): void {
  const kind = failureKind(err, wasmMemory().buffer.byteLength);
  port.postMessage({ job, type: "error", kind, message: failureDetail(err) } satisfies ParquetWorkerMessage);
}

/** Marks what parquet-wasm throws while opening or reading the file as the file's failure. */
async function fromFile<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw new FileReadError("reading the file failed", { cause: err });
  }
}

/** The file's batches, with read failures marked as the file's (fromFile). */
async function* batchesOf(file: { batches: AsyncIterable<WasmBatch> }): AsyncGenerator<WasmBatch> {
  const it = file.batches[Symbol.asyncIterator]();
  try {
    for (let step = await fromFile(it.next()); step.done !== true; step = await fromFile(it.next())) yield step.value;
  } finally {
    // As for-await does when the loop stops early (our code threw): end the stream.
    await Promise.resolve(it.return?.()).catch(() => undefined);
  }
}

async function decode(job: number, input: ParquetWorkerInput): Promise<void> {
  const waitForCredit = async (): Promise<void> => {
    while (credit <= 0) await nextMessage();
    credit--;
  };
  const file = await fromFile(openFile(input));
  try {
    const { groups, prepared } = file;
    port.postMessage({ job, type: "meta", numRows: groups.reduce((a, b) => a + b, 0), rowGroups: groups, prepared } satisfies ParquetWorkerMessage);
    let skip = file.skip;
    const serializer = input.serialize === undefined ? undefined : compileArrowSerializer(input.serialize, { chunkBytes: 1 << 20 });
    for await (const wasmBatch of batchesOf(file)) {
      const rows = wasmBatch.numRows;
      if (skip >= rows) {
        skip -= rows;
        wasmBatch.free();
        continue;
      }
      await waitForCredit();
      if (serializer === undefined || sharedOut < (input.shareBelow ?? 0)) {
        if (serializer !== undefined) sharedOut++;
        const ipc = wasmBatch.intoIPCStream(); // a JS-owned copy; consumes the wasm batch
        port.postMessage({ job, type: "ipc", ipc, skip, rows } satisfies ParquetWorkerMessage, [ipc.buffer as ArrayBuffer]);
      } else {
        const { lines, maxUpdatedAt } = withArrowView(wasmBatch, (batch) => ({
          lines: [...serializer.fromArrow(batch, skip).encode(input.framing ?? DATA_LINES)],
          maxUpdatedAt: input.cursorColumn === undefined ? undefined : maxTimestampText(batch, input.cursorColumn, skip),
        }));
        // Each chunk has an ArrayBuffer of its own (json-bytes.ts), so they are transferred as they are.
        const owned = lines.map((c) => c.buffer as ArrayBuffer);
        port.postMessage({ job, type: "lines", lines, count: rows - skip, maxUpdatedAt } satisfies ParquetWorkerMessage, owned);
      }
      skip = 0;
    }
  } finally {
    file.free();
  }
}

/**
 * Runs `use` on the batch as apache-arrow data viewing wasm memory, without copying it out. That is
 * only safe synchronously: the next wasm call may grow the memory, which detaches every view. So `use`
 * must not keep the batch or anything that views it (the serializer copies bytes out), and no wasm
 * runs meanwhile; the batch is freed after.
 */
function withArrowView<T>(wasmBatch: WasmBatch, use: (batch: ArrowBatch) => T): T {
  const ffi = wasmBatch.intoFFI();
  try {
    const parse = (copy: boolean): ArrowBatch =>
      parseRecordBatch(wasmMemory().buffer, ffi.arrayAddr(), ffi.schemaAddr(), copy) as unknown as ArrowBatch;
    const view = parse(false);
    return use(view.schema.fields.every((f) => viewable(f.type)) ? view : parse(true));
  } finally {
    ffi.free();
  }
}

/**
 * Types whose zero-copy views arrow-js-ffi (0.4.3) builds right, as the §14 tests check; anything else
 * is copied. Its decimal view, for one, holds a quarter of the values (it counts 32-bit words as values).
 */
function viewable(type: DataType): boolean {
  switch (type.typeId) {
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Int:
    case Type.Float:
    case Type.Bool:
    case Type.Date:
    case Type.Timestamp:
      return true;
    case Type.List:
      return type.children.every((c) => viewable(c.type));
    case Type.Dictionary:
      return viewable((type as Dictionary).dictionary) && viewable((type as Dictionary).indices);
    default:
      return false;
  }
}

// A panic inside parquet-wasm's async code surfaces here, uncaught, and its promise never settles: say
// what it was for the running job (the parent replaces this thread), then end the thread.
process.on("uncaughtException", (err) => {
  reportFailure(current, err);
  process.exit(1);
});

port.unref();
void serve();
