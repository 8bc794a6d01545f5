/**
 * Stateless hashing PRNG: every generated value is a pure function of (seed, table, index, field),
 * so rows can be produced on demand in any order and 10 M rows cost no memory.
 */

/** 32-bit avalanche hash of a list of integers (murmur3-style finalizer per step). */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9 | 0;
  for (const p of parts) {
    let k = Math.imul(p | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    // fold the high part of large indices in as well
    h ^= Math.floor(p / 4294967296) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Stable small integer for a string (table and field salts). */
export function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Uniform float in [0, 1). */
export function unit(h: number): number {
  return h / 4294967296;
}

export function pick<T>(items: readonly T[], h: number): T {
  return items[h % items.length] as T;
}

/** A per-row generator: `r(field)` gives an independent 32-bit value per field name. */
export type RowRandom = (field: string, extra?: number) => number;

const fieldSalts = new Map<string, number>();
function fieldSalt(field: string): number {
  let h = fieldSalts.get(field);
  if (h === undefined) {
    h = strHash(field);
    fieldSalts.set(field, h);
  }
  return h;
}

export function rowRandom(seed: number, table: string, index: number, version = 0): RowRandom {
  const t = fieldSalt(table);
  return (field, extra = 0) => hash32(seed, t, index, fieldSalt(field), version, extra);
}
