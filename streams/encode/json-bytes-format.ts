/**
 * Number formats shared by the Arrow and the object input paths, so the same row gives the same
 * text whichever way it arrived: exact integers, decimals and floats. A number literal the API sent is
 * never reformatted (json-bytes-values.ts writes it as sent); these format values that arrive as binary
 * (Arrow) or as doubles. Times: json-bytes-time.ts.
 */
import type { ByteWriter } from "./json-bytes.js";

const TWO32 = 4294967296;
const MAX_SAFE_HI = 0x200000; // hi * 2^32 + lo is exact when |hi| < 2^21

// ---------------------------------------------------------------- numbers

/**
 * A float as a JSON number: shortest round-trip digits as `String(x)` prints them, but never in
 * exponent form (so 1e-7 and decimal(38,9) 0.0000001 read the same), NaN/±Inf → null, -0 → 0.
 */
export function writeFloat(w: ByteWriter, x: number): void {
  if (Number.isInteger(x)) {
    if (x < 9007199254740992 && x > -9007199254740992) w.int(x === 0 ? 0 : x);
    else w.ascii(plainNumber(String(x)));
    return;
  }
  if (x !== x || x === Infinity || x === -Infinity) {
    w.ascii("null");
    return;
  }
  // Amounts with at most two decimals: written from a scaled integer, which is exactly what
  // String(x) prints below 2^45 (a decimal 0.01 apart is then always a different double).
  const r = Math.round(x * 100);
  if (r / 100 === x && r < 3.5e15 && r > -3.5e15) {
    let a = r;
    if (a < 0) {
      w.byte(0x2d);
      a = -a;
    }
    const whole = Math.floor(a / 100);
    const cents = a - whole * 100;
    w.uint(whole);
    w.byte(0x2e);
    if (cents % 10 === 0) w.byte(48 + cents / 10);
    else w.padded(cents, 2);
    return;
  }
  w.ascii(plainNumber(String(x)));
}

/** `1.5e-7` → `0.00000015`, `1e+21` → `1000000000000000000000`; other text unchanged. */
export function plainNumber(s: string): string {
  const e = s.indexOf("e");
  if (e < 0) return s;
  const neg = s.startsWith("-");
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf(".");
  const digits = dot < 0 ? mant : mant.slice(0, dot) + mant.slice(dot + 1);
  const point = (dot < 0 ? mant.length : dot) + exp; // position of the decimal point in `digits`
  let out: string;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (neg ? "-" : "") + trimFraction(out);
}

/** Drops trailing fractional zeros and a bare point: `5.100` → `5.1`, `5.000` → `5`, `-0.0` → `0`. */
export function trimFraction(s: string): string {
  if (s.indexOf(".") >= 0) {
    let end = s.length;
    while (s.charCodeAt(end - 1) === 48) end--;
    if (s.charCodeAt(end - 1) === 0x2e) end--;
    s = s.slice(0, end);
  }
  return s === "-0" ? "0" : s;
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * A numeric string from an API (e.g. a decimal sent as text in a NUMBER column) as a number literal:
 * itself, digits and form as sent, when it is a JSON number; else undefined (it stays a string).
 */
export function numberLiteral(s: string): string | undefined {
  return JSON_NUMBER.test(s) ? s : undefined;
}

/** Signed 64-bit integer at index i (lo/hi words), exact digits even beyond 2^53. */
export function writeInt64(w: ByteWriter, u32: Uint32Array, big: BigInt64Array | BigUint64Array, i: number, signed: boolean): void {
  const lo = u32[2 * i]!;
  const hi = signed ? u32[2 * i + 1]! | 0 : u32[2 * i + 1]!;
  if (hi < MAX_SAFE_HI && hi >= -MAX_SAFE_HI) w.int(hi * TWO32 + lo);
  else w.ascii(big[i]!.toString());
}

const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);
const M32 = POW10.map((p) => TWO32 % p); // 2^32 mod 10^k
const M48 = POW10.map((p, k) => (65536 * M32[k]!) % p); // 2^48 mod 10^k

/**
 * Decimal value i written as a number literal. Values that fit in 64 bits with scale ≤ 9 (every
 * decimal(38,9) amount below ~9.2e9) take a path without BigInt or strings: the fraction is the
 * exact remainder from 16-bit pieces, and the integer part a rounding-safe division.
 */
export function writeDecimal(w: ByteWriter, words: Uint32Array, i: number, stride: number, scale: number): void {
  const s = stride * i;
  let lo = words[s]!, hi = words[s + 1]!;
  let pos = scale > 0 && scale <= 9, neg = pos && hi >= 0x80000000;
  for (let k = 2; k < stride; k++) {
    const x = words[s + k];
    if (x !== 0) pos = false;
    if (x !== 0xffffffff) neg = false;
  }
  if (neg) {
    lo = (~lo + 1) >>> 0;
    hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
  } else if (!pos || hi >= 0x80000000) {
    w.ascii(decimalText(words, i, stride, scale));
    return;
  }
  // Above 2^53 the double v is off by up to 2^11 units; dividing by ≥ 10^4 makes that harmless.
  if (hi >= MAX_SAFE_HI && scale < 4) {
    w.ascii(decimalText(words, i, stride, scale));
    return;
  }
  const p = POW10[scale]!;
  const a = hi >>> 16, b = hi & 0xffff;
  let r = (a * M48[scale]! + b * M32[scale]! + (lo % p)) % p;
  const q = Math.round((hi * TWO32 + lo - r) / p);
  if (q >= 9007199254740992) {
    w.ascii(decimalText(words, i, stride, scale));
    return;
  }
  if (neg) w.byte(0x2d);
  w.uint(q);
  if (r === 0) return;
  let digits = scale;
  while (r % 10 === 0) {
    r /= 10;
    digits--;
  }
  w.byte(0x2e);
  w.padded(r, digits);
}

/** Decimal of `stride` little-endian 32-bit words at value i: exact digits, scale applied, zeros trimmed. */
export function decimalText(words: Uint32Array, i: number, stride: number, scale: number): string {
  const s = stride * i;
  const w0 = words[s]!, w1 = words[s + 1]!;
  let rest = 0, restNeg = true;
  for (let k = 2; k < stride; k++) {
    const x = words[s + k]!;
    if (x !== 0) rest = 1;
    if (x !== 0xffffffff) restNeg = false;
  }
  let v: number | bigint;
  if (rest === 0 && w1 < MAX_SAFE_HI) v = w1 * TWO32 + w0;
  else if (restNeg && w1 >= 0xffe00001) v = (w1 - TWO32) * TWO32 + w0;
  else {
    let b = 0n;
    for (let k = stride - 1; k >= 0; k--) b = (b << 32n) | BigInt(words[s + k]!);
    if (words[s + stride - 1]! & 0x80000000) b -= 1n << BigInt(32 * stride);
    v = b;
  }
  const neg = v < 0;
  const digits = (neg ? -v : v).toString();
  if (scale <= 0) return (neg ? "-" : "") + digits + "0".repeat(-scale);
  const padded = digits.padStart(scale + 1, "0");
  return trimFraction((neg ? "-" : "") + padded.slice(0, -scale) + "." + padded.slice(-scale));
}
