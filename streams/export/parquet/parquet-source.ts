/**
 * What a Parquet file to decode is, as both sides of the decode thread name it. A module of its own, without
 * parquet-wasm: the parent only names files, and importing parquet-wasm reads and instantiates its 5 MB of
 * wasm (≈ 55 ms of CPU) in every process that loads it, a rows read's included.
 */

/** A file to read: a path, or an open descriptor with an id that is unique where numbers are reused. */
export type FileSource = string | { readonly fd: number; readonly id: string };

/** What a file is opened with (the rest of a job's input does not change the batches). */
export interface OpenInput {
  readonly file: FileSource;
  readonly columns?: readonly string[];
  readonly startRow: number;
  readonly batchSize: number;
}

/** Tells two sources apart (a path and an id never collide). */
export function sourceKey(file: FileSource): string {
  return typeof file === "string" ? `path:${file}` : `fd:${file.id}`;
}
