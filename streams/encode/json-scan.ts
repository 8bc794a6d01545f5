/**
 * A validating JSON token scanner over UTF-8 bytes: each function checks one token against the JSON
 * grammar (RFC 8259) and returns the index just past it, or -1 when the bytes are not valid JSON there.
 * It never builds values; callers copy or JSON.parse the spans it finds. A span it accepted always
 * parses, which is what lets rows-page-scan.ts defer JSON.parse until a record is written.
 *
 * UTF-8 validity is not checked here (the caller checks the whole page once, natively).
 */

export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Nesting beyond this is not scanned (the caller falls back to JSON.parse, which has its own limits). */
const MAX_DEPTH = 64;

/** What a value token turned out to be; lets the writer decide between copying its bytes and parsing it. */
export const Kind = {
  Absent: 0,
  /** A string without escapes. */
  String: 1,
  /** A string with at least one backslash escape (`stringified` says whether they are JSON.stringify's own). */
  EscapedString: 2,
  Number: 3,
  /** true, false or null. */
  Literal: 4,
  /** An array of strings in JSON.stringify's form (see `stringified`) with no whitespace anywhere: already in its form. */
  CompactStringArray: 5,
  /** Any other array or object. */
  Other: 6,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const IS_WS = new Uint8Array(256);
IS_WS[0x20] = IS_WS[0x09] = IS_WS[0x0a] = IS_WS[0x0d] = 1;
const IS_HEX = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") IS_HEX[c.charCodeAt(0)] = 1;
/** Characters allowed after a backslash (u is checked separately). */
const IS_SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') IS_SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;
/** Digits JSON.stringify writes in `\u00XY` (lowercase hex). */
const IS_LOWER_HEX = new Uint8Array(256);
for (const c of "0123456789abcdef") IS_LOWER_HEX[c.charCodeAt(0)] = 1;
/** Control characters JSON.stringify writes as `\b \t \n \f \r`, never as `\u00XY`. */
const HAS_SHORT_ESCAPE = new Uint8Array(0x20);
for (const c of [0x08, 0x09, 0x0a, 0x0c, 0x0d]) HAS_SHORT_ESCAPE[c] = 1;

export class JsonScanner {
  /** Kind of the last value scanned by `value`. */
  kind: Kind = Kind.Absent;
  /** Whether the last string scanned by `string` had escapes. */
  escaped = false;
  /**
   * Whether the last string's escapes (if any) are all ones JSON.stringify writes: `\" \\ \b \t \n \f \r`
   * and `\u00XY` (lowercase) for other controls. Such a string is byte for byte what our writer writes for
   * its value, so it can be copied. (`\/`, `\u0041`, uppercase hex and escaped surrogates are not.)
   */
  stringified = true;

  constructor(readonly b: Buffer) {}

  ws(p: number): number {
    const b = this.b;
    while (IS_WS[b[p]!] === 1) p++;
    return p;
  }

  /** `"…"` starting at p. */
  string(p: number): number {
    const b = this.b, n = b.length;
    if (b[p] !== QUOTE) return -1;
    let escaped = false;
    let stringified = true;
    for (p++; p < n; p++) {
      const c = b[p]!;
      if (c === QUOTE) {
        this.escaped = escaped;
        this.stringified = stringified;
        return p + 1;
      }
      if (c < 0x20) return -1;
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[++p]!;
        if (e === 0x75) {
          if (p + 4 >= n || !(IS_HEX[b[p + 1]!]! & IS_HEX[b[p + 2]!]! & IS_HEX[b[p + 3]!]! & IS_HEX[b[p + 4]!]!)) return -1;
          if (stringified) stringified = isStringifiedControl(b, p + 1);
          p += 4;
        } else if (IS_SIMPLE_ESCAPE[e] !== 1) return -1;
        else if (e === 0x2f) stringified = false;
      }
    }
    return -1;
  }

  /** A number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
  number(p: number): number {
    const b = this.b;
    if (b[p] === MINUS) p++;
    if (b[p] === ZERO) p++;
    else {
      if (!isDigit(b[p])) return -1;
      while (isDigit(b[p])) p++;
    }
    if (b[p] === DOT) {
      p++;
      if (!isDigit(b[p])) return -1;
      while (isDigit(b[p])) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      p++;
      if (b[p] === 0x2b || b[p] === MINUS) p++;
      if (!isDigit(b[p])) return -1;
      while (isDigit(b[p])) p++;
    }
    return p;
  }

  /** Any value at p (no leading whitespace); sets `kind`. */
  value(p: number, depth = 0): number {
    const c = this.b[p];
    if (c === QUOTE) {
      const end = this.string(p);
      this.kind = this.escaped ? Kind.EscapedString : Kind.String;
      return end;
    }
    if (c === MINUS || isDigit(c)) {
      this.kind = Kind.Number;
      return this.number(p);
    }
    if (c === OPEN_ARRAY) return this.array(p, depth);
    if (c === OPEN_OBJECT) {
      this.kind = Kind.Other;
      return this.object(p, depth);
    }
    this.kind = Kind.Literal;
    return this.literal(p);
  }

  #word(p: number, word: readonly number[]): number {
    const b = this.b;
    for (let k = 0; k < word.length; k++) if (b[p + k] !== word[k]) return -1;
    return p + word.length;
  }

  literal(p: number): number {
    const c = this.b[p];
    return c === 0x74 ? this.#word(p, TRUE) : c === 0x66 ? this.#word(p, FALSE) : c === 0x6e ? this.#word(p, NULL) : -1;
  }

  array(p: number, depth: number): number {
    const compact = this.#compactStringArray(p);
    if (compact >= 0) {
      this.kind = Kind.CompactStringArray;
      return compact;
    }
    this.kind = Kind.Other;
    if (depth >= MAX_DEPTH) return -1;
    const b = this.b;
    p = this.ws(p + 1);
    if (b[p] === CLOSE_ARRAY) return p + 1;
    for (;;) {
      p = this.value(p, depth + 1);
      if (p < 0) return -1;
      p = this.ws(p);
      if (b[p] === CLOSE_ARRAY) break;
      if (b[p] !== COMMA) return -1;
      p = this.ws(p + 1);
    }
    this.kind = Kind.Other;
    return p + 1;
  }

  /** `[]` or `["a","b"]` with nothing but escape-free strings and no whitespace; -1 otherwise (not an error). */
  #compactStringArray(p: number): number {
    const b = this.b;
    p++;
    if (b[p] === CLOSE_ARRAY) return p + 1;
    for (;;) {
      p = this.string(p);
      if (p < 0 || !this.stringified) return -1;
      if (b[p] === CLOSE_ARRAY) return p + 1;
      if (b[p] !== COMMA) return -1;
      p++;
    }
  }

  object(p: number, depth: number): number {
    if (depth >= MAX_DEPTH) return -1;
    const b = this.b;
    p = this.ws(p + 1);
    if (b[p] === CLOSE_OBJECT) return p + 1;
    for (;;) {
      p = this.string(p);
      if (p < 0) return -1;
      p = this.ws(p);
      if (b[p] !== COLON) return -1;
      p = this.value(this.ws(p + 1), depth + 1);
      if (p < 0) return -1;
      p = this.ws(p);
      if (b[p] === CLOSE_OBJECT) break;
      if (b[p] !== COMMA) return -1;
      p = this.ws(p + 1);
    }
    this.kind = Kind.Other;
    return p + 1;
  }
}

const TRUE = [...Buffer.from("true")];
const FALSE = [...Buffer.from("false")];
const NULL = [...Buffer.from("null")];

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE;
}

/** The 4 hex digits at p are `00XY` (lowercase) naming a control JSON.stringify escapes as `\u00XY`. */
function isStringifiedControl(b: Uint8Array, p: number): boolean {
  const x = b[p + 2]!, y = b[p + 3]!;
  if (b[p] !== 0x30 || b[p + 1] !== 0x30 || (x !== 0x30 && x !== 0x31) || IS_LOWER_HEX[y] !== 1) return false;
  const code = (x - 0x30) * 16 + (y <= 0x39 ? y - 0x30 : y - 0x57);
  return HAS_SHORT_ESCAPE[code] !== 1;
}
