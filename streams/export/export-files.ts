/**
 * A stable order for an export's files, so `file_index` in saved state names the same file on every
 * poll and in every later run, and the lookup of one file in a freshly polled list. Pure.
 */
import type { ExportFileRef } from "./export-status.js";

/**
 * The files in the order given, unless every name has a numeric part (`part-00001.parquet`) and the list
 * is not already in numeric order: then sorted numerically. A server that lists files unordered may list
 * them differently on each poll; the sort makes the order a property of the names alone.
 */
export function orderFiles(files: readonly ExportFileRef[]): ExportFileRef[] {
  const numbered = files.length > 1 && files.every((f) => /\d/.test(f.name));
  if (!numbered || isSorted(files)) return [...files];
  return [...files].sort((a, b) => naturalCompare(a.name, b.name)); // stable: ties keep the given order
}

function isSorted(files: readonly ExportFileRef[]): boolean {
  for (let i = 1; i < files.length; i++) if (naturalCompare(files[i - 1]!.name, files[i]!.name) > 0) return false;
  return true;
}

/** Compares digit runs by value (`part-2` < `part-10`) and the rest as text. */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!, y = tb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x), dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+(?=\d)/, ""), ny = y.replace(/^0+(?=\d)/, "");
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      continue; // same value, different zero padding: the longer padding last (below)
    }
    return x < y ? -1 : 1;
  }
  if (ta.length !== tb.length) return ta.length - tb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * File `index` of a previous listing, found again in a fresh one: by its name when names are unique in
 * both (so a reordering server cannot make us read the wrong file), else by position.
 */
export function findFile(files: readonly ExportFileRef[], index: number, name: string | undefined): { file: ExportFileRef; index: number } | undefined {
  if (name !== undefined && name !== "" && uniqueNames(files)) {
    const at = files.findIndex((f) => f.name === name);
    if (at >= 0) return { file: files[at]!, index: at };
  }
  const file = files[index];
  return file === undefined ? undefined : { file, index };
}

function uniqueNames(files: readonly ExportFileRef[]): boolean {
  return new Set(files.map((f) => f.name)).size === files.length;
}
