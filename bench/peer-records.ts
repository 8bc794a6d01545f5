/**
 * The peer pre-check's comparison: the records a program wrote (Airbyte or Singer RECORD lines) against the
 * rows the API serves, per stream, by primary key. Values are compared exactly as JSON values (numbers as the
 * doubles they parse to, no tolerance; arrays element by element; timestamps as the text the API sent).
 * One normalization, no more: for programs that leave null fields out of their records (airbyte-cdk's
 * declarative sources do), and only there, an absent field counts as null; how many were absent is reported.
 */
import { isDeepStrictEqual } from "node:util";

export type Row = Readonly<Record<string, unknown>>;
export type Envelope = "airbyte" | "singer";

export interface StreamRecord {
  readonly stream: string;
  readonly data: Row;
}

/** A table as the API serves it: its key columns and every row (all columns requested). */
export interface TableTruth {
  readonly id: string;
  readonly key: readonly string[];
  readonly rows: readonly Row[];
}

export interface Comparison {
  readonly records: number;
  /** What differs, at most MAX_REPORTED messages; empty when the program returned exactly the API's rows. */
  readonly differences: readonly string[];
  /** How many differences there were in all (a stream's missing rows count once). */
  readonly differenceCount: number;
  /** Fields the API sent as null that the program left out (only counted where absent may mean null). */
  readonly absentNulls: number;
}

const MAX_REPORTED = 10;

/** The RECORD lines of a program's stdout as stream + data; every other line is ignored. */
export function recordsOf(stdout: string, envelope: Envelope): StreamRecord[] {
  const out: StreamRecord[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith('{"type":"RECORD"')) continue;
    const m = JSON.parse(line) as { stream?: string; record: { stream?: string; data?: Row } & Row };
    out.push(envelope === "airbyte" ? { stream: m.record.stream ?? "", data: m.record.data ?? {} } : { stream: m.stream ?? "", data: m.record });
  }
  return out;
}

export function compareRecords(truth: readonly TableTruth[], got: readonly StreamRecord[], options: { absentMeansNull: boolean }): Comparison {
  const differences: string[] = [];
  let differenceCount = 0;
  let absentNulls = 0;
  const differ = (message: string): void => {
    differenceCount++;
    if (differences.length < MAX_REPORTED) differences.push(message);
  };

  const byStream = new Map<string, StreamRecord[]>();
  for (const r of got) {
    const list = byStream.get(r.stream);
    if (list) list.push(r);
    else byStream.set(r.stream, [r]);
  }
  for (const stream of byStream.keys()) if (!truth.some((t) => t.id === stream)) differ(`records of a stream the API does not have: ${stream}`);

  for (const table of truth) {
    const keyOf = (row: Row): string => JSON.stringify(table.key.map((k) => row[k]));
    const want = new Map(table.rows.map((row) => [keyOf(row), row]));
    const seen = new Set<string>();
    for (const { data } of byStream.get(table.id) ?? []) {
      const key = keyOf(data);
      const expected = want.get(key);
      if (seen.has(key)) differ(`${table.id} ${key}: written twice`);
      else if (expected === undefined) differ(`${table.id} ${key}: not a row of the API`);
      else {
        for (const column of new Set([...Object.keys(expected), ...Object.keys(data)])) {
          if (!(column in data)) {
            if (options.absentMeansNull && expected[column] === null) absentNulls++;
            else differ(`${table.id} ${key}: ${column} is missing (the API sent ${JSON.stringify(expected[column])})`);
          } else if (!(column in expected)) differ(`${table.id} ${key}: ${column} is not a column the API sent`);
          else if (!isDeepStrictEqual(data[column], expected[column])) differ(`${table.id} ${key}: ${column} is ${JSON.stringify(data[column])}, the API sent ${JSON.stringify(expected[column])}`);
        }
      }
      seen.add(key);
    }
    const missing = [...want.keys()].filter((k) => !seen.has(k));
    if (missing.length > 0) differ(`${table.id}: ${missing.length} of ${want.size} rows missing, first ${missing.slice(0, 3).join(", ")}`);
  }
  return { records: got.length, differences, differenceCount, absentNulls };
}
