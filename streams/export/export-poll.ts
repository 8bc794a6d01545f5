/**
 * Waits for an export job to finish: polls its status with growing pauses, logs progress at least once
 * a minute (platforms kill silent sources), reports size estimates, and stops at the configured deadline.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TransientError } from "../contract/errors.js";
import type { ExportHandle, IgniteClient } from "../http/client.js";
import { estimatedBytes, failureMessage, parseDownloadList, phaseOf, type ExportFileRef } from "./export-status.js";
import { formatBytes, formatElapsed } from "./progress-text.js";
import type { ReadContext } from "../contract/stream.js";
import { callOptionsOf } from "../sync/call-options.js";

export interface PollTimings {
  readonly firstDelayMs: number;
  readonly factor: number;
  readonly capMs: number;
  /** Longest silence while waiting. */
  readonly logEveryMs: number;
  /** Extra polls when a job says "succeeded" but lists no files yet, before reading it as empty. */
  readonly listlessPolls: number;
}

export const DEFAULT_POLL_TIMINGS: PollTimings = { firstDelayMs: 1000, factor: 1.6, capMs: 30_000, logEveryMs: 60_000, listlessPolls: 3 };

export type PollOutcome =
  | { readonly kind: "ready"; readonly handle: ExportHandle; readonly files: ExportFileRef[] }
  | { readonly kind: "failed"; readonly handle: ExportHandle; readonly message: string };

export interface PollInput {
  readonly client: IgniteClient;
  /** The latest answer about the job (the create answer, or a status already fetched). */
  readonly handle: ExportHandle;
  /** When the job was created (epoch ms), for "running for 2m10s". */
  readonly createdAtMs: number;
  /** Give up (TransientError) when still unfinished at this time (epoch ms). */
  readonly deadlineMs: number;
  readonly timings?: PollTimings;
}

export async function pollExport(input: PollInput, ctx: ReadContext): Promise<PollOutcome> {
  const { client } = input;
  const t = input.timings ?? DEFAULT_POLL_TIMINGS;
  const callOptions = callOptionsOf(ctx);
  let handle = input.handle;
  let delay = t.firstDelayMs;
  let lastLog = ctx.now();
  let lastEstimate: number | undefined;
  let lastPhase: string | undefined;
  let listless = 0;

  for (;;) {
    const phase = phaseOf(handle.status);
    const bytes = estimatedBytes(handle.body);
    if (bytes !== undefined && bytes !== lastEstimate) {
      lastEstimate = bytes;
      ctx.events.estimate({ bytes });
    }
    if (phase === "failed") return { kind: "failed", handle, message: failureMessage(handle.body) };
    if (phase === "ready") {
      const files = parseDownloadList(handle.body);
      if (files !== undefined || listless >= t.listlessPolls) {
        if (files === undefined) ctx.logger.warn(`export ${handle.id} says "${handle.status}" but lists no files; reading it as empty`);
        reportFiles(files ?? [], bytes, ctx);
        return { kind: "ready", handle, files: files ?? [] };
      }
      listless++;
    }
    const now = ctx.now();
    if (phase !== lastPhase) {
      if (lastPhase !== undefined || phase === "unknown") ctx.logger.info(progressLine(handle, phase, input.createdAtMs, now, bytes));
      lastPhase = phase;
    }
    if (now - lastLog >= t.logEveryMs) {
      ctx.logger.info(progressLine(handle, phase, input.createdAtMs, now, bytes));
      lastLog = now;
    }
    if (now >= input.deadlineMs) {
      throw new TransientError(
        `export ${handle.id} of ${handle.entity} did not finish within the poll deadline (export_poll_timeout_minutes; last status "${handle.status}"). The next sync resumes waiting for the same export.`,
      );
    }
    // Never sleep past the next progress line or the deadline.
    const pause = Math.max(0, Math.min(delay, lastLog + t.logEveryMs - now, input.deadlineMs - now));
    await sleep(pause, undefined, { signal: ctx.signal });
    delay = Math.min(t.capMs, delay * t.factor);
    handle = await client.getExport(handle, callOptions);
  }
}

function reportFiles(files: readonly ExportFileRef[], estimated: number | undefined, ctx: ReadContext): void {
  const rows = files.every((f) => f.rowCount !== undefined) ? files.reduce((n, f) => n + f.rowCount!, 0) : undefined;
  const sizes = files.every((f) => f.sizeBytes !== undefined) ? files.reduce((n, f) => n + f.sizeBytes!, 0) : undefined;
  const bytes = estimated ?? sizes;
  if (rows !== undefined || bytes !== undefined) {
    ctx.events.estimate({ ...(rows !== undefined && { rows }), ...(bytes !== undefined && { bytes }) });
  }
}

/** e.g. `export 95e9… running for 2m10s, ~123 MB processed (status "running")` */
export function progressLine(handle: ExportHandle, phase: string, createdAtMs: number, now: number, bytes: number | undefined): string {
  const what = phase === "unknown" ? `in an unknown state "${handle.status}"` : phase;
  const size = bytes === undefined ? "" : `, ~${formatBytes(bytes)} processed`;
  return `export ${handle.id} of ${handle.entity} ${what} for ${formatElapsed(Math.max(0, now - createdAtMs))}${size}`;
}
