/**
 * Drives the configured streams: up to `concurrency` at a time, each stream's messages in order.
 * Per stream: STARTED → RUNNING (first output, or a rate-limit wait) → records and STATEs → final
 * STATE → COMPLETE; on error INCOMPLETE + ERROR trace, and the other streams go on. Streams yield,
 * this module writes; nothing here knows Ignite.
 */
import { defaultMaxListeners, setMaxListeners } from "node:events";
import type { Batch, Checkpoint, ReadContext, StreamEvents, StreamOutput } from "../streams/contract/stream.js";
import type { MemoryShare } from "../streams/contract/memory.js";
import type { RejectedStream, StreamRun } from "./catalog.js";
import { airbyteEmitter, type ReadEmitter } from "./emitter.js";
import { messageOf } from "./error-trace.js";
import { TransientError } from "../streams/contract/errors.js";
import type { RuntimeLogger } from "./logger.js";
import type { MemoryBudget } from "./memory-budget.js";
import { guardMemory } from "./memory-watchdog.js";
import type { StreamRef } from "./messages.js";
import type { OutputWriter } from "./output.js";
import type { Redactor } from "../streams/contract/redact.js";
import { NO_CURSOR_STATE_KEY, type InputState } from "./state-input.js";

export interface RuntimeOptions {
  out: OutputWriter;
  logger: RuntimeLogger;
  redactor: Redactor;
  state: InputState;
  concurrency: number;
  /** Aborted on SIGTERM/SIGINT: stop reading, keep what was written. */
  signal: AbortSignal;
  now(): number;
  /** Minimum gap between two RATE_LIMITED statuses of one stream. */
  rateLimitThrottleMs?: number;
  /** A stream silent for this long gets an INFO log line (platforms kill silent sources). */
  quietLogMs?: number;
  /** Called after each batch with the records written so far per stream (progress display). */
  onProgress?(counts: ReadonlyMap<string, number>): void;
  /** How statuses, states, records and errors look on the wire; Airbyte messages when absent. */
  emitter?: ReadEmitter;
  /** How long a stream that stopped may take to clean up before the read goes on without it. */
  closeTimeoutMs?: number;
  /** The process's memory budget: the streams share it, and a watchdog stops the read before memory runs out. */
  memory?: MemoryBudget;
}

/** Options with the emitter and the memory guard resolved, as the per-stream code uses them. */
type Resolved = RuntimeOptions & { emitter: ReadEmitter; memoryShare: MemoryShare | undefined };

export type StreamOutcome = "complete" | "failed" | "interrupted";

export interface ReadSummary {
  outcomes: Map<string, StreamOutcome>;
  records: Map<string, number>;
  interrupted: boolean;
  /**
   * The error to report once when the read was interrupted: the memory watchdog's, else the signal's or
   * stdout's. Built here so that the Airbyte and Singer commands report the same interruption alike.
   */
  interruption?: Error;
}

const ABORTED = Symbol("aborted");
/**
 * A stream's cleanup is a thread to end and files to close: milliseconds. Five seconds leaves room
 * under `docker stop`'s 10 s between SIGTERM and SIGKILL for the interruption to be reported.
 */
const CLOSE_TIMEOUT_MS = 5_000;

export async function runRead(runs: readonly StreamRun[], rejected: readonly RejectedStream[], options: RuntimeOptions): Promise<ReadSummary> {
  const summary: ReadSummary = { outcomes: new Map(), records: new Map(), interrupted: false };
  const workers = Math.max(1, Math.min(options.concurrency, runs.length));
  const memory = guardMemory(options.memory, workers, options.signal, options.logger);
  const resolved: Resolved = {
    ...options,
    signal: memory.signal,
    memoryShare: memory.share,
    emitter: options.emitter ?? airbyteEmitter(options.out, options.redactor),
  };
  const { out, emitter } = resolved;
  // Each running stream listens on the read's signal twice (its own controller, and the step it awaits):
  // more than Node's default of 10 listeners at 5+ streams is by design, not a leak.
  setMaxListeners(Math.max(defaultMaxListeners, 2 * workers + 2), resolved.signal);
  // A configured stream we cannot read: INCOMPLETE without STARTED (as the CDK does), then its error.
  for (const { ref, error } of rejected) {
    emitter.status(ref, "INCOMPLETE", options.now());
    emitter.error(error, options.now(), ref);
    summary.outcomes.set(ref.name, "failed");
  }
  for (const name of options.state.unknownStreams(runs.map((r) => r.ref))) {
    options.logger.info(`Saved state for stream '${name}' ignored: the stream is not in the configured catalog`);
  }

  const queue = [...runs];
  const worker = async (): Promise<void> => {
    for (let run = queue.shift(); run !== undefined; run = queue.shift()) {
      if (resolved.signal.aborted || out.error !== undefined) {
        emitter.status(run.ref, "INCOMPLETE", options.now());
        summary.outcomes.set(run.ref.name, "interrupted");
        continue;
      }
      summary.outcomes.set(run.ref.name, await runStream(run, resolved, summary.records));
    }
  };
  await Promise.all(Array.from({ length: workers }, worker)).finally(() => memory.stop());
  summary.interrupted = [...summary.outcomes.values()].includes("interrupted");
  await out.flush();
  // After the flush: a signal that arrives while the output drains is the one to name.
  if (summary.interrupted) {
    summary.interruption = memory.stoppedBy ?? interruptionError(options.signal.aborted ? String(options.signal.reason ?? "signal") : "stdout closed");
  }
  return summary;
}

async function runStream(run: StreamRun, options: Resolved, records: Map<string, number>): Promise<StreamOutcome> {
  const { out, now, logger, emitter } = options;
  const ref = run.ref;
  let running = false;
  const markRunning = (): void => {
    if (running) return;
    running = true;
    emitter.status(ref, "RUNNING", now());
  };
  const events = rateLimitedEvents(ref, options, () => (running = true));
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal.reason);
  options.signal.addEventListener("abort", onAbort, { once: true });
  const ctx: ReadContext = {
    syncMode: run.syncMode,
    selectedProperties: run.selectedProperties,
    state: options.state.get(ref),
    logger,
    events,
    signal: controller.signal,
    now,
    recordFraming: () => emitter.recordFraming(ref, now()),
    memory: options.memoryShare,
  };
  const quiet = quietWatch(ref, options);
  const checkpoints = new CheckpointTracker(ref, logger);
  records.set(ref.name, records.get(ref.name) ?? 0);

  emitter.status(ref, "STARTED", now());
  const iterator = run.stream.read(ctx)[Symbol.asyncIterator]();
  let outcome: StreamOutcome = "failed";
  let failure: unknown;
  try {
    for (;;) {
      const step = await nextOrAbort(iterator, options.signal);
      if (step === ABORTED || out.error !== undefined) {
        outcome = "interrupted";
        break;
      }
      if (step.done === true) {
        markRunning(); // CAT wants STARTED, RUNNING+, COMPLETE even for an empty stream
        checkpoints.finish(emitter);
        outcome = "complete";
        break;
      }
      quiet.touch();
      markRunning();
      if (step.value.kind === "batch") {
        writeBatch(step.value, ref, options);
        checkpoints.recordsWritten(step.value.count);
        records.set(ref.name, (records.get(ref.name) ?? 0) + step.value.count);
        options.onProgress?.(records);
      } else {
        checkpoints.emit(step.value, emitter);
      }
      await out.maybeFlush();
    }
  } catch (err) {
    failure = err;
  } finally {
    quiet.stop();
    options.signal.removeEventListener("abort", onAbort);
  }
  // However the loop ended (the stream finished or threw, a batch or state could not be written,
  // stdout broke, the read was interrupted), the stream is closed and its cleanup (the `finally` of
  // its generator: decode thread, temp files) is waited for before its outcome is reported, so
  // that nothing of it is still running when the process exits.
  if (outcome !== "complete") controller.abort();
  await closeStream(iterator, ref, options);
  if (outcome === "complete") emitter.status(ref, "COMPLETE", now());
  else {
    emitter.status(ref, "INCOMPLETE", now());
    if (outcome === "failed") emitter.error(failure, now(), ref);
  }
  await out.maybeFlush();
  return outcome;
}

/**
 * `return()` on the stream's iterator, awaited. On an async generator that is still busy (a `next()`
 * left pending by an interrupt) it runs once that step settles; the stream's signal is aborted by then,
 * so that is soon. A cleanup that does not end within the limit is left behind with a warning rather
 * than holding up the other streams and the exit.
 */
async function closeStream(iterator: AsyncIterator<StreamOutput>, ref: StreamRef, options: Resolved): Promise<void> {
  const limitMs = options.closeTimeoutMs ?? CLOSE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const closed = Promise.resolve()
    .then(() => iterator.return?.())
    .then(
      () => true,
      (err: unknown) => {
        options.logger.warn(`Stream '${ref.name}' failed while cleaning up: ${messageOf(err)}`);
        return true;
      },
    );
  const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, limitMs, false)));
  try {
    if (!(await Promise.race([closed, late]))) {
      options.logger.warn(`Stream '${ref.name}' did not finish cleaning up within ${limitMs / 1000} s; going on without waiting for it`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Encode the whole batch before queueing any of it: if the stream's encoder throws halfway, no partial
 * line reaches stdout. Framing is built per batch so `emitted_at` is the real time of writing, unless
 * the batch comes already framed (`Batch.framing`, from `ctx.recordFraming()` a little earlier): then
 * its own framing is used, so its bytes go out as they are instead of being framed a second time.
 */
function writeBatch(batch: Batch, ref: StreamRef, options: Resolved): void {
  const chunks: Uint8Array[] = [];
  for (const chunk of batch.encode(batch.framing ?? options.emitter.recordFraming(ref, options.now()))) chunks.push(chunk);
  for (const chunk of chunks) options.out.enqueue(chunk);
}

/** Per-stream STATE bookkeeping: recordCount since the previous STATE, duplicate detection, final state. */
class CheckpointTracker {
  private sinceState = 0;
  private lastJson: string | undefined;

  constructor(
    private readonly ref: StreamRef,
    private readonly logger: RuntimeLogger,
  ) {}

  recordsWritten(count: number): void {
    this.sinceState += count;
  }

  emit(checkpoint: Checkpoint, emitter: ReadEmitter): void {
    const json = JSON.stringify(checkpoint.state);
    if (json === this.lastJson) {
      // Same state, nothing new: drop it (no information). Same state after records is the stream's bug
      // (a resume would re-read them); emit anyway so recordCount stays exact, and say so.
      if (this.sinceState === 0) return;
      this.logger.warn(`Stream '${this.ref.name}' repeated its previous state after ${this.sinceState} records; a resume from it would re-read them`);
    }
    emitter.state(this.ref, checkpoint.state, this.sinceState);
    this.lastJson = json;
    this.sinceState = 0;
  }

  /** Every stream ends with a STATE covering its last records; a stream that gave none gets the sentinel. */
  finish(emitter: ReadEmitter): void {
    if (this.lastJson !== undefined && this.sinceState === 0) return;
    if (this.lastJson !== undefined) {
      this.logger.warn(`Stream '${this.ref.name}' ended without a state after its last ${this.sinceState} records; the next sync starts it fresh`);
    }
    this.emit({ kind: "checkpoint", state: { [NO_CURSOR_STATE_KEY]: true } }, emitter);
  }
}

function rateLimitedEvents(ref: StreamRef, options: Resolved, setRunning: () => void): StreamEvents {
  const gap = options.rateLimitThrottleMs ?? 10_000;
  let last = Number.NEGATIVE_INFINITY;
  return {
    rateLimited(resetAt?: number): void {
      const t = options.now();
      // A 429 storm is one status per `gap`, not a thousand; a retry loop recomputes resetAt each
      // time, so a changed reset time alone does not earn a new message.
      if (t - last < gap) return;
      last = t;
      setRunning();
      options.emitter.status(ref, "RUNNING", t, resetAt === undefined ? {} : { quotaReset: resetAt });
    },
    estimate(estimate): void {
      options.emitter.estimate(ref, estimate, options.now());
    },
  };
}

async function nextOrAbort<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | typeof ABORTED> {
  if (signal.aborted) return ABORTED;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([iterator.next(), aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

/** Logs when a stream has been silent a while, so a long wait is visibly alive. */
function quietWatch(ref: StreamRef, options: RuntimeOptions): { touch(): void; stop(): void } {
  const limit = options.quietLogMs ?? 60_000;
  let lastActive = Date.now();
  const timer = setInterval(() => {
    const silent = Date.now() - lastActive;
    if (silent >= limit) options.logger.info(`Stream '${ref.name}': still working, no new data for ${Math.round(silent / 1000)} s`);
  }, limit);
  timer.unref();
  return {
    touch: () => (lastActive = Date.now()),
    stop: () => clearInterval(timer),
  };
}

/** The error reported once when the whole read was interrupted (SIGTERM/SIGINT, stdout closed). */
function interruptionError(reason: string): TransientError {
  return new TransientError(`The sync was interrupted (${reason}) before every stream completed; the next attempt resumes from the last state`);
}
