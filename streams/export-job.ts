/**
 * Reads the files of one succeeded export job, in a stable order, from a position (file index + rows of
 * it already emitted). Each file gets a fresh URL just before its download (URLs live 1 hour), goes to a
 * temp file, is decoded and deleted. Yields the batches and the positions after them; knows no state shape.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { TransientError } from "../source/errors.js";
import type { ExportHandle, IgniteClient } from "./client.js";
import { decodeExportFile } from "./export-decode.js";
import { downloadFile } from "./export-download.js";
import { findFile, orderFiles } from "./export-files.js";
import { ParquetDecoder } from "./parquet-reader.js";
import { parseDownloadList, phaseOf, type ExportFileRef } from "./export-status.js";
import type { RecordSerializer } from "./record-serializer.js";
import type { Batch, ReadContext } from "./types.js";

/** The listing of the poll that just saw the job succeed serves its first file if it is this young. */
const FRESH_LISTING_MS = 30_000;
/** Downloads of one file that decode as corrupt before giving up. */
const DOWNLOADS_PER_FILE = 2;

export interface JobReaderDeps {
  readonly client: IgniteClient;
  /** Private temp directory for this stream's downloads. */
  readonly dir: string;
  readonly cursorColumn: string | undefined;
  readonly arrowSerializer: RecordSerializer;
  readonly jsonSerializer: RecordSerializer;
}

export interface JobPosition {
  readonly handle: ExportHandle;
  readonly fileIndex: number;
  readonly rowOffset: number;
  readonly fileName?: string;
}

/** After each step, the position to save: `fileIndex`/`rowOffset` say where the next row comes from. */
export type JobStep =
  | { readonly kind: "rows"; readonly batch: Batch; readonly maxUpdatedAtMs: number; readonly fileIndex: number; readonly rowOffset: number; readonly fileName: string }
  | { readonly kind: "next-file"; readonly fileIndex: number; readonly rowOffset: 0; readonly fileName: string };

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
    // One decode thread for all the files of this read (warm wasm); ended when the read ends, however.
    const decoder = new ParquetDecoder();
    try {
      const relist = async (index: number): Promise<ExportFileRef> => {
        files = await this.#relist(job.handle, ctx);
        const found = findFile(files, index, names[index]);
        if (found === undefined) throw new TransientError(`export ${job.handle.id} no longer lists its file ${names[index] ?? index}`);
        return found.file;
      };

      for (let i = start.index; i < names.length; i++) {
        const name = names[i]!;
        // Every other file gets its URL from a new poll: a long download or decode can outlive a signed URL.
        let file = i === start.index && ctx.now() - listedAt < FRESH_LISTING_MS ? findFile(files, i, name)?.file : undefined;
        file ??= await relist(i);
        if (file.rowCount !== undefined && rowOffset >= file.rowCount && rowOffset > 0) {
          ctx.logger.debug(`${name}: all ${file.rowCount} rows were read before; skipping its download`);
        } else {
          for (let attempt = 1; ; attempt++) {
            const path = join(this.#deps.dir, `${i}-${name.replace(/[^\w.-]+/g, "_")}`);
            let decoding = false;
            try {
              const downloaded = await downloadFile({
                client: this.#deps.client,
                file,
                path,
                refreshUrl: async () => (await relist(i)).url,
                signal: ctx.signal,
                logger: ctx.logger,
                now: () => ctx.now(),
              });
              ctx.logger.debug(`${name}: downloaded ${downloaded.bytes} bytes; decoding from row ${rowOffset}`);
              decoding = true;
              for await (const decoded of decodeExportFile({
                path,
                startRow: rowOffset,
                cursorColumn: this.#deps.cursorColumn,
                arrowSerializer: this.#deps.arrowSerializer,
                jsonSerializer: this.#deps.jsonSerializer,
                signal: ctx.signal,
                decoder,
              })) {
                rowOffset += decoded.rows;
                yield { kind: "rows", batch: decoded.batch, maxUpdatedAtMs: decoded.maxUpdatedAtMs, fileIndex: i, rowOffset, fileName: name };
              }
              break;
            } catch (error) {
              // A download that passed every length check and still does not decode: fetch it once more.
              if (!(decoding && error instanceof TransientError) || attempt >= DOWNLOADS_PER_FILE) throw error;
              ctx.logger.warn(`${name} did not decode (${error.message}); downloading it again from a fresh URL`);
              file = await relist(i);
            } finally {
              await rm(path, { force: true });
            }
          }
        }
        if (i + 1 < names.length) {
          rowOffset = 0;
          yield { kind: "next-file", fileIndex: i + 1, rowOffset: 0, fileName: names[i + 1]! };
        }
      }
    } finally {
      await decoder.close();
    }
  }

  /** Fresh signed URLs: the export's status again, which must still say it succeeded. */
  async #relist(handle: ExportHandle, ctx: ReadContext): Promise<ExportFileRef[]> {
    const fresh = await this.#deps.client.getExport(handle, {
      signal: ctx.signal,
      onRateLimited: (resetAt?: number) => ctx.events.rateLimited(resetAt),
    });
    const files = phaseOf(fresh.status) === "ready" ? parseDownloadList(fresh.body) : undefined;
    if (files === undefined) throw new TransientError(`export ${handle.id} went from succeeded to "${fresh.status}" while its files were being read`);
    return orderFiles(files);
  }
}
