/**
 * The export path of one stream: create an export job (or take up the saved one), wait for it, then per
 * file fetch a fresh URL, download it to a temp file, decode it, and yield its batches, each followed by
 * a checkpoint naming the export, the file and the rows of it already yielded.
 *
 * Failure handling (design.md §3): a job that ends `failed` is retried up to `export_max_attempts` times,
 * then ExportFailedError tells the caller to fall back to the rows path, as it does when the create call
 * itself is refused (400, 403, 404, 405: a token without export rights, a gateway without the endpoint, a
 * request the export does not take) while rows pages may still be readable; files that are gone (404/410)
 * start a new job for the same window (rows already emitted may be emitted again, none are lost).
 */
import { TransientError } from "../contract/errors.js";
import type { ExportRequestBody } from "../api/requests.js";
import type { ExportHandle } from "../http/client.js";
import { ExportJobReader } from "./export-job.js";
import { pollExport, type PollTimings } from "./export-poll.js";
import { sweepLeftoversOnce } from "./export-temp.js";
import { ApiError } from "../http/http-errors.js";
import { ParquetDecoder } from "./parquet/parquet-reader.js";
import { compileSerializer } from "../encode/record-serializer.js";
import { callOptionsOf } from "../sync/call-options.js";
import { fingerprint } from "../sync/fingerprint.js";
import type { PathInput } from "../sync/path-input.js";
import type { ExportProgress } from "../sync/stream-state.js";
import { formatTimestamp } from "../sync/sync-window.js";
import { timestampMs } from "../encode/timestamps.js";
import type { ReadContext, StreamOutput } from "../contract/stream.js";

/** Exported files are deleted after 7 days (§7); a saved job is not worth resuming close to that. */
const RETENTION_MS = 7 * 86_400_000;
const RETENTION_MARGIN_MS = 6 * 3_600_000;
/** New jobs after deleted files before giving up (each one re-reads the window). */
const MAX_NEW_JOBS = 3;

/**
 * What one export stream holds in memory from its first download until its decode thread ends: the
 * thread (its own V8 heap, and wasm memory that holds a whole row group and never shrinks), the decoded
 * batches in flight to stdout, and download buffers. Measured: ≈ 100–170 MB above the process's own
 * (anonymous RSS, 300 000 rows of the spend table, row groups of 100 000 rows). The rows path's costs:
 * rows/memory-cost.ts.
 */
export const EXPORT_STREAM_BYTES = 128 * 1024 * 1024;

/** The table reader's input; the export path keys its cursor by column name. */
export interface ExportPathInput extends PathInput {
  /** Column name of updated_at, when the table has it (export files are keyed by column name). */
  readonly cursorColumn: string | undefined;
  readonly timings?: PollTimings;
}

/** The export failed `export_max_attempts` times, or could not be created: the caller reads the stream another way. */
export class ExportFailedError extends TransientError {}

/** Create answers that refuse the export itself; anything else (401, 429, 5xx, network) is not about exports. */
const CREATE_REFUSED = new Set([400, 403, 404, 405]);

/** A job being read: what the checkpoints name. */
export interface JobRef {
  readonly handle: ExportHandle;
  readonly createdAtMs: number;
  readonly fileIndex: number;
  readonly rowOffset: number;
  readonly fileName?: string;
}

export async function* readExportPath(input: ExportPathInput, ctx: ReadContext): AsyncGenerator<StreamOutput> {
  const { table, config, client, projection, tracker } = input;
  const body: ExportRequestBody = {
    fields: projection.fields,
    ...(input.filters && { filters: input.filters }),
    format: config.export_format,
  };
  const request = fingerprint(body);
  const callOptions = callOptionsOf(ctx);
  const position = (job: JobRef, fileIndex: number, rowOffset: number, fileName: string | undefined): ExportProgress => ({
    path: "export",
    request,
    export_id: job.handle.id,
    entity: job.handle.entity,
    created_at: formatTimestamp(job.createdAtMs),
    ...(job.handle.statusUrl !== undefined && { status_url: job.handle.statusUrl }),
    file_index: fileIndex,
    row_offset: rowOffset,
    ...(fileName !== undefined && { file_name: fileName }),
  });
  await sweepLeftoversOnce(ctx.logger);
  // One decode thread for every file of every job of this read (warm wasm); ended in the finally below.
  const decoder = new ParquetDecoder();
  const reader = new ExportJobReader({
    client,
    cursorColumn: input.cursorColumn,
    arrowColumns: projection.columns,
    // Export files are keyed by column name whatever `column_keys` says; rows pages are keyed per keyBy.
    jsonSerializer: compileSerializer(projection.columns.map((c) => ({ ...c, source: c.arrowName ?? c.source }))),
    decoder,
  });

  /** This stream's memory from the read's budget, held from its first download until the decode thread ends. */
  let release: (() => void) | undefined;
  try {
    // The thread starts now, so compiling wasm (about a CPU-second) happens while the export is created
    // and built, not after its files are listed. Unused (JSON came back, the export failed), it only
    // waits and never keeps the process alive. Not when this stream may have to wait for memory first.
    const memoryFits = ctx.memory === undefined || ctx.memory.perStreamBytes >= EXPORT_STREAM_BYTES;
    if (config.export_format === "parquet" && memoryFits) decoder.warm();
    let job = await resumeJob(input, request, ctx);
    let failures = 0;
    let newJobs = 0;
    for (;;) {
      try {
        if (job === undefined) {
          const handle = await client.createExport(table.id, body, callOptions).catch((error: unknown) => {
            if (error instanceof ApiError && CREATE_REFUSED.has(error.status)) {
              throw new ExportFailedError(`${table.id}: the export could not be created (${error.message})`);
            }
            throw error;
          });
          job = { handle, createdAtMs: ctx.now(), fileIndex: 0, rowOffset: 0 };
          ctx.logger.info(`${table.id}: export ${handle.id} created (${config.export_format}, ${projection.fields.length} columns)`);
          // From here a crash resumes this job instead of creating another one.
          yield tracker.checkpoint(position(job, 0, 0, undefined));
        }
        const outcome = await pollExport(
          {
            client,
            handle: job.handle,
            createdAtMs: job.createdAtMs,
            deadlineMs: ctx.now() + config.export_poll_timeout_minutes * 60_000,
            ...(input.timings && { timings: input.timings }),
          },
          ctx,
        );
        if (outcome.kind === "failed") {
          failures++;
          tracker.forgetPosition();
          job = undefined;
          const what = `${table.id}: export ${outcome.handle.id} failed (${outcome.message})`;
          if (failures >= config.export_max_attempts) {
            throw new ExportFailedError(`${what}; gave up after ${failures} attempt${failures === 1 ? "" : "s"} (export_max_attempts)`);
          }
          ctx.logger.warn(`${what}; creating a new export (attempt ${failures + 1} of ${config.export_max_attempts})`);
          continue;
        }
        const ready = { ...job, handle: outcome.handle };
        // Downloading and decoding are what cost memory (the server builds the export meanwhile for free).
        release ??= await ctx.memory?.reserve(EXPORT_STREAM_BYTES, `${table.id} (export ${ready.handle.id})`, ctx.signal);
        for await (const step of reader.read(ready, outcome.files, ctx)) {
          if (step.kind === "rows") {
            tracker.observeMax(step.maxUpdatedAt);
            yield step.batch;
          }
          yield tracker.checkpoint(position(ready, step.fileIndex, step.rowOffset, step.fileName));
        }
        return;
      } catch (error) {
        if (!(error instanceof ApiError && error.action === "new-export") || newJobs >= MAX_NEW_JOBS) throw error;
        newJobs++;
        ctx.logger.warn(
          `${table.id}: export ${job?.handle.id ?? "?"} or its files are gone (${error.status}; files are kept 7 days); creating a new export for the same window. Rows already emitted may be emitted again.`,
        );
        tracker.forgetPosition();
        job = undefined;
      }
    }
  } finally {
    // The reader's own finally has closed its temp files by now.
    await decoder.close();
    release?.();
    ctx.logger.debug(`${table.id}: export read ended; decode thread stopped, temp files closed`);
  }
}

/** The saved job, when it belongs to this exact request and its files may still exist. */
async function resumeJob(input: ExportPathInput, request: string, ctx: ReadContext): Promise<JobRef | undefined> {
  const { tracker, table } = input;
  const saved = tracker.sync.position;
  if (saved === undefined) return undefined;
  const createdAtMs = saved.path === "export" ? timestampMs(saved.created_at) : NaN;
  const why =
    saved.path !== "export"
      ? "the interrupted sync used the rows path"
      : saved.request !== request || saved.entity !== table.id
        ? "the request changed since (columns, filters or format)"
        : !(ctx.now() - createdAtMs < RETENTION_MS - RETENTION_MARGIN_MS)
          ? `export ${saved.export_id} was created at ${saved.created_at} and export files are deleted after 7 days`
          : undefined;
  if (why !== undefined || saved.path !== "export") {
    ctx.logger.info(`${table.id}: not resuming from the saved position because ${why}; starting a new export for the sync window`);
    tracker.forgetPosition();
    return undefined;
  }
  ctx.logger.info(`${table.id}: resuming export ${saved.export_id} at file ${saved.file_index}, row ${saved.row_offset}`);
  const handle = await input.client
    .getExport(
      { id: saved.export_id, entity: saved.entity, ...(saved.status_url !== undefined && { statusUrl: saved.status_url }) },
      callOptionsOf(ctx),
    )
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.action === "new-export") {
        ctx.logger.warn(`${table.id}: saved export ${saved.export_id} is gone (${error.status}); starting a new export for the same window`);
        tracker.forgetPosition();
        return undefined;
      }
      throw error;
    });
  if (handle === undefined) return undefined;
  return {
    handle,
    createdAtMs,
    fileIndex: saved.file_index,
    rowOffset: saved.row_offset,
    ...(saved.file_name !== undefined && { fileName: saved.file_name }),
  };
}
