/**
 * The memory budget as the streams of one read share it: each stream reserves what its read path will hold
 * (streams/rows/memory-cost.ts, EXPORT_STREAM_BYTES in streams/export/export-path.ts) and gives it back
 * when it ends. A reservation that does not fit next to the others waits, first come first served, until
 * enough is given back; so when memory is tight, fewer streams run at once than max_concurrent_streams
 * allows. A stream that finds nothing held is never made to wait, even when it alone needs more than the
 * budget: one stream must always be able to run (the watchdog guards the rest).
 */
import type { RuntimeLogger } from "./logger.js";
import { mb, type MemoryShare } from "../streams/contract/memory.js";

interface Waiter {
  readonly bytes: number;
  readonly grant: (release: () => void) => void;
}

export class SharedMemoryBudget implements MemoryShare {
  readonly perStreamBytes: number;
  #held = 0;
  readonly #waiting: Waiter[] = [];

  constructor(
    private readonly totalBytes: number,
    streams: number,
    private readonly logger: Pick<RuntimeLogger, "info">,
  ) {
    this.perStreamBytes = Math.floor(totalBytes / Math.max(1, streams));
  }

  /** Bytes held by running streams now (tests read it). */
  get heldBytes(): number {
    return this.#held;
  }

  reserve(bytes: number, what: string, signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#waiting.length === 0 && this.#fits(bytes)) return Promise.resolve(this.#take(bytes));
    this.logger.info(
      `${what} waits for memory: it needs ${mb(bytes)}, and the streams running now hold ${mb(this.#held)} of the ${mb(this.totalBytes)} they share`,
    );
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        grant: (release) => {
          signal.removeEventListener("abort", onAbort);
          this.logger.info(`${what} got its ${mb(bytes)} of memory`);
          resolve(release);
        },
      };
      const onAbort = (): void => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        this.#grantWaiting(); // the one behind it may fit
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #fits(bytes: number): boolean {
    return this.#held === 0 || this.#held + bytes <= this.totalBytes;
  }

  #take(bytes: number): () => void {
    this.#held += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= bytes;
      this.#grantWaiting();
    };
  }

  #grantWaiting(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      const waiter = this.#waiting.shift()!;
      waiter.grant(this.#take(waiter.bytes));
    }
  }
}
