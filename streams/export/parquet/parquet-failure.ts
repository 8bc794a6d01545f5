/**
 * What made a decode in the Parquet thread fail, from the error it threw (pure; the thread reports it,
 * parquet-decoder.ts turns it into the error the read sees). The answers differ: a file that does not
 * decode is downloaded again; our own bug, or a lack of memory, would fail the same way on any download.
 */

/**
 * `corrupt`: parquet-wasm could not read the file, or panicked on it (a panic comes from the bytes it
 * was given). `memory`: an allocation failed, or wasm memory is near its 4 GiB ceiling. `bug`: our
 * code in the thread failed (serializing, handing batches over).
 */
export type FailureKind = "corrupt" | "memory" | "bug";

/** An error of parquet-wasm opening or reading the file (as opposed to one of ours with its batches). */
export class FileReadError extends Error {}

/** wasm32 memory ends at 4 GiB; a trap with this much already taken is taken as an allocation that failed. */
const WASM_NEAR_CEILING_BYTES = 3 * 1024 ** 3;

export function failureKind(err: unknown, wasmBytes: number): FailureKind {
  const detail = err instanceof FileReadError ? err.cause : err;
  if (detail instanceof RangeError && /allocation failed|out of memory|invalid array buffer length/i.test(detail.message)) return "memory";
  // A trap (RuntimeError: unreachable) is how Rust's panics, and its failed allocations, end in wasm.
  if (detail instanceof Error && detail.name === "RuntimeError") return wasmBytes >= WASM_NEAR_CEILING_BYTES ? "memory" : "corrupt";
  return err instanceof FileReadError ? "corrupt" : "bug";
}

/** "Name: message" of what failed (the file's error for a FileReadError). */
export function failureDetail(err: unknown): string {
  const detail = err instanceof FileReadError ? err.cause : err;
  return detail instanceof Error ? `${detail.name}: ${detail.message}` : String(detail);
}
