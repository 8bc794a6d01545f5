/**
 * Downloads one export file from its signed URL into a temp file, streamed (memory does not grow with the
 * file), resuming with `Range` after a reset or a cut-short body, and asking for a fresh URL when the
 * signed one is refused (403/expired). The API token never goes here: `client.download` sends none.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TransientError } from "../contract/errors.js";
import type { IgniteClient } from "../http/client.js";
import type { ExportFileRef } from "./export-status.js";
import type { TempFile } from "./export-temp.js";
import { formatBytes } from "./progress-text.js";
import { ApiError, classifyNetworkError, NetworkError } from "../http/http-errors.js";
import type { Logger } from "../contract/stream.js";

export interface DownloadInput {
  readonly client: IgniteClient;
  readonly file: ExportFileRef;
  /** Where to write, empty; the caller closes it. */
  readonly temp: TempFile;
  /** A fresh signed URL for the same file (re-polls the export); called when the URL is refused. */
  readonly refreshUrl: () => Promise<string>;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly now: () => number;
  readonly limits?: DownloadLimits;
}

export interface DownloadLimits {
  /** Resumes in a row that bring no new byte before giving up. */
  readonly stalledResumes: number;
  /** Fresh URLs in a row that are refused too. */
  readonly refreshes: number;
  readonly logEveryMs: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: DownloadLimits = { stalledResumes: 6, refreshes: 3, logEveryMs: 60_000 };

export interface DownloadedFile {
  readonly temp: TempFile;
  readonly bytes: number;
}

/** Body errors that a `Range` request can continue after. */
const RESUMABLE = new Set(["reset", "truncated", "timeout"]);

export async function downloadFile(input: DownloadInput): Promise<DownloadedFile> {
  const { client, file, signal, logger } = input;
  const limits = input.limits ?? DEFAULT_DOWNLOAD_LIMITS;
  const out = input.temp;
  let url = file.url;
  let written = 0;
  let total = file.sizeBytes;
  let stalled = 0;
  let refreshed = 0;
  let lastLog = input.now();
  for (;;) {
    let response;
    try {
      response = await client.download(url, { signal, rangeStart: written });
      refreshed = 0;
    } catch (error) {
      if (error instanceof ApiError && error.action === "refresh-url" && refreshed < limits.refreshes) {
        refreshed++;
        logger.info(`download of ${file.name} was refused (${error.status}: the signed URL expired); asking the export for a fresh URL`);
        url = await input.refreshUrl();
        continue;
      }
      throw error;
    }
    if (response.offset !== written) {
      if (response.offset !== 0) {
        response.body.destroy();
        throw new TransientError(`download of ${file.name} answered from byte ${response.offset}, not ${written}`);
      }
      // The server ignored our Range (answered 200 from byte 0): start the file over.
      await out.truncate(0);
      written = 0;
    }
    total = response.totalBytes ?? total;
    const before = written;
    let cut: unknown;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        await out.write(chunk, written);
        written += chunk.length;
        if (input.now() - lastLog >= limits.logEveryMs) {
          lastLog = input.now();
          logger.info(`downloading ${file.name}: ${formatBytes(written)}${total === undefined ? "" : ` of ${formatBytes(total)}`}`);
        }
      }
    } catch (error) {
      if (signal.aborted) throw error;
      const cls = classifyNetworkError(error);
      if (cls === undefined || !RESUMABLE.has(cls)) throw error;
      cut = error;
    }
    if (cut === undefined && (total === undefined || written >= total)) {
      return { temp: input.temp, bytes: written };
    }
    stalled = written > before ? 0 : stalled + 1;
    if (stalled >= limits.stalledResumes) {
      throw new NetworkError(
        `download of ${file.name} kept breaking off at byte ${written}${total === undefined ? "" : ` of ${total}`}`,
        "truncated",
        `GET ${file.name}`,
        "transient_error",
        { cause: cut },
      );
    }
    logger.info(`download of ${file.name} broke off at ${formatBytes(written)}${total === undefined ? "" : ` of ${formatBytes(total)}`}; resuming from there`);
    await sleep(Math.min(5_000, 200 * 2 ** stalled), undefined, { signal });
  }
}

