/**
 * Reads the files of one succeeded export job, in a stable order, from a position (file index + rows of
 * it already emitted). Each file gets a fresh URL just before its download (URLs live 1 hour), goes to a
 * nameless temp file (export-temp.ts), is decoded and closed. Yields the batches and the positions after
 * them; knows no state shape.
 */
import { TransientError } from "../contract/errors.js";
import type { ExportHandle, IgniteClient } from "../http/client.js";
import { decodeExportFile, sniff } from "./export-decode.js";
import { downloadFile, type DownloadedFile } from "./export-download.js";
import { TempFile } from "./export-temp.js";
import { findFile, orderFiles } from "./export-files.js";
import { ParquetDecoder } from "./parquet/parquet-reader.js";
import { parseDownloadList, phaseOf, type ExportFileRef } from "./export-status.js";
import type { OutputColumn, RecordSerializer } from "../encode/record-serializer.js";
import { callOptionsOf } from "../sync/call-options.js";
import type { Batch, ReadContext } from "../contract/stream.js";

/** The listing of the poll that just saw the job succeed serves its first file if it is this young. */
const FRESH_LISTING_MS = 30_000;
/** Downloads of one file that decode as corrupt before giving up. */
const DOWNLOADS_PER_FILE = 2;

export interface JobReaderDeps {
  readonly client: IgniteClient;
  /** Where the downloads' temp files are made (they have no name there); the system temp dir when absent. */
  readonly tempRoot?: string;
  readonly cursorColumn: string | undefined;
  /** The output columns of Parquet files (matched by Arrow name); the decode thread serializes them. */
  readonly arrowColumns: readonly OutputColumn[];
  readonly jsonSerializer: RecordSerializer;
  /**
   * The caller's decode thread (started early, see export-path.ts), which the caller closes; absent =
   * one per `read`, closed when it ends.
   */
  readonly decoder?: ParquetDecoder;
}

export interface JobPosition {
  readonly handle: ExportHandle;
  readonly fileIndex: number;
  readonly rowOffset: number;
  readonly fileName?: string;
}

/** After each step, the position to save: `fileIndex`/`rowOffset` say where the next row comes from. */
export type JobStep =
  | { readonly kind: "rows"; readonly batch: Batch; readonly maxUpdatedAt: string | undefined; readonly fileIndex: number; readonly rowOffset: number; readonly fileName: string }
  | { readonly kind: "next-file"; readonly fileIndex: number; readonly rowOffset: 0; readonly fileName: string };

/** The download of the file after the one being decoded. */
interface Ahead {
  readonly index: number;
  readonly stop: AbortController;
  readonly download: Promise<DownloadedFile>;
}

export class ExportJobReader {
  readonly #deps: JobReaderDeps;

  constructor(deps: JobReaderDeps) {
    this.#deps = deps;
  }

  async *read(job: JobPosition, listed: readonly ExportFileRef[], ctx: ReadContext): AsyncGenerator<JobStep> {
    let files = orderFiles(listed);
    const listedAt = ctx.now();
    const names = files.map((f) => f.name);
    const start = findFile(files, job.fileIndex, job.fileName);
    if (start === undefined) {
      if (job.fileIndex === 0) return; // an export without files: nothing matched
      throw new TransientError(`export ${job.handle.id} lists ${files.length} files, but the saved position is at file ${job.fileIndex}`);
    }
    let rowOffset = job.rowOffset;
    const relist = async (index: number, signal = ctx.signal): Promise<ExportFileRef> => {
      files = await this.#relist(job.handle, ctx, signal);
      const found = findFile(files, index, names[index]);
      if (found === undefined) throw new TransientError(`export ${job.handle.id} no longer lists its file ${names[index] ?? index}`);
      return found.file;
    };
    // Every download gets its URL from a poll made right before it (unless given a fresh listing's):
    // a long download or decode can outlive a signed URL. Its temp file is the caller's once it is done.
    const fetch = async (i: number, signal: AbortSignal, listing?: ExportFileRef): Promise<DownloadedFile> => {
      const file = listing ?? (await relist(i, signal));
      const temp = await TempFile.create(this.#deps.tempRoot);
      try {
        return await downloadFile({
          client: this.#deps.client,
          file,
          temp,
          refreshUrl: async () => (await relist(i, signal)).url,
          signal,
          logger: ctx.logger,
          now: () => ctx.now(),
        });
      } catch (error) {
        await temp.close();
        throw error;
      }
    };
    // One decode thread for all the files of this read (warm wasm); ended when the read ends, however.
    const decoder = this.#deps.decoder ?? new ParquetDecoder();
    // The next file downloads while this one decodes: one file ahead, on disk, closed whatever happens.
    // Once there, the decode thread may open it and decode its first row group while it would otherwise
    // wait for this file's last batches to be written (ParquetDecoder.prepare).
    let ahead: Ahead | undefined;
    const fetchAhead = (i: number): Ahead => {
      const stop = new AbortController();
      const next: Ahead = { index: i, stop, download: fetch(i, AbortSignal.any([ctx.signal, stop.signal])) };
      // Named to the thread only while it is still ahead: once the loop takes it (and clears `ahead`), its
      // own run opens it, and a hint sent after that run could reach the thread when the file is closed
      // and its number reused. `ahead` is already `next` when this runs: a then-callback runs after the
      // caller has stored what fetchAhead returns.
      const free = (): boolean => !stop.signal.aborted && ahead === next;
      next.download.then(
        async (d) => {
          if (free() && (await sniff(d.temp)) === "parquet" && free()) decoder.prepare(d.temp);
        },
        () => undefined, // its error is seen when its turn comes, or dropped with the read
      ).catch(() => undefined); // closed meanwhile (the read ended): nothing to prepare
      return next;
    };
    try {
      for (let i = start.index; i < names.length; i++) {
        const name = names[i]!;
        let first: Promise<DownloadedFile> | undefined;
        if (ahead?.index === i) {
          first = ahead.download;
          ahead = undefined;
        } else {
          const listing = i === start.index && ctx.now() - listedAt < FRESH_LISTING_MS ? findFile(files, i, name)?.file : undefined;
          const file = listing ?? (await relist(i));
          if (file.rowCount !== undefined && rowOffset >= file.rowCount && rowOffset > 0) {
            ctx.logger.debug(`${name}: all ${file.rowCount} rows were read before; skipping its download`);
          } else first = fetch(i, ctx.signal, file);
        }
        for (let attempt = 1; first !== undefined; attempt++) {
          let decoding = false;
          let downloaded: DownloadedFile | undefined;
          try {
            downloaded = await (attempt === 1 ? first : fetch(i, ctx.signal));
            ctx.logger.debug(`${name}: downloaded ${downloaded.bytes} bytes; decoding from row ${rowOffset}`);
            decoding = true;
            if (ahead === undefined && i + 1 < names.length) ahead = fetchAhead(i + 1);
            for await (const decoded of decodeExportFile({
              temp: downloaded.temp,
              name,
              ...(this.#deps.tempRoot !== undefined && { tempRoot: this.#deps.tempRoot }),
              startRow: rowOffset,
              cursorColumn: this.#deps.cursorColumn,
              arrowColumns: this.#deps.arrowColumns,
              jsonSerializer: this.#deps.jsonSerializer,
              signal: ctx.signal,
              decoder,
              // Framed once, by the worker, with the final bytes: emitted_at is when this file's decode began.
              framing: ctx.recordFraming(),
            })) {
              rowOffset += decoded.rows;
              yield { kind: "rows", batch: decoded.batch, maxUpdatedAt: decoded.maxUpdatedAt, fileIndex: i, rowOffset, fileName: name };
            }
            break;
          } catch (error) {
            // A download that passed every length check and still does not decode (a corrupt file; not
            // our bug, not memory: those are system errors) is fetched again, a bounded number of times.
            // An abort (a signal, the memory watchdog) is not a bad file, whatever error it carries.
            if (ctx.signal.aborted || !(decoding && error instanceof TransientError)) throw error;
            if (attempt >= DOWNLOADS_PER_FILE) {
              throw new TransientError(
                `${name} of export ${job.handle.id} did not decode after ${attempt} downloads (${error.message}); the file the API serves seems to be damaged. The next sync tries again.`,
                { cause: error },
              );
            }
            ctx.logger.warn(`${name} did not decode (${error.message}); downloading it again from a fresh URL`);
          } finally {
            // Its decode has ended (cleanly, or with its thread stopped): nothing reads it any more.
            await downloaded?.temp.close();
          }
        }
        if (i + 1 < names.length) {
          rowOffset = 0;
          yield { kind: "next-file", fileIndex: i + 1, rowOffset: 0, fileName: names[i + 1]! };
        }
      }
    } finally {
      if (ahead !== undefined) {
        ahead.stop.abort();
        const left = await ahead.download.catch(() => undefined);
        if (left !== undefined) {
          await decoder.release(left.temp); // the thread may be opening it ahead
          await left.temp.close();
        }
      }
      if (this.#deps.decoder === undefined) await decoder.close();
    }
  }

  /** Fresh signed URLs: the export's status again, which must still say it succeeded. */
  async #relist(handle: ExportHandle, ctx: ReadContext, signal: AbortSignal): Promise<ExportFileRef[]> {
    // The caller's signal, not the read's: a download ahead that is stopped stops its relist too.
    const fresh = await this.#deps.client.getExport(handle, { ...callOptionsOf(ctx), signal });
    const files = phaseOf(fresh.status) === "ready" ? parseDownloadList(fresh.body) : undefined;
    if (files === undefined) throw new TransientError(`export ${handle.id} went from succeeded to "${fresh.status}" while its files were being read`);
    return orderFiles(files);
  }
}
