/**
 * Value formats shared by the Arrow and the object input paths, so the same row gives the same text
 * whichever way it arrived: numbers (exact integers, decimals, floats), dates and RFC 3339 timestamps.
 */
import type { ByteWriter } from "./json-bytes.js";

const TWO32 = 4294967296;
const QUOTE = 0x22;
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

/** A numeric string from an API (e.g. a decimal sent as text) as a canonical number literal, else undefined. */
export function numberLiteral(s: string): string | undefined {
  if (!JSON_NUMBER.test(s)) return undefined;
  if (/[eE]/.test(s)) return plainNumber(String(Number(s)));
  return trimFraction(s);
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

// ---------------------------------------------------------------- dates

/** Days since 1970-01-01 → [year, month, day] (Howard Hinnant's civil_from_days). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

// 10 bytes per day for 1900-01-01 .. 2199-12-31, filled on first use.
const CACHE_FIRST = -25567;
const CACHE_DAYS = 109573;
const dateCache = new Uint8Array(CACHE_DAYS * 10);
const dateCached = new Uint8Array(CACHE_DAYS);

function dateAscii(days: number): string {
  const [y, m, d] = civil(days);
  const ys = y >= 0 && y <= 9999 ? String(y).padStart(4, "0") : (y < 0 ? "-" : "+") + String(Math.abs(y)).padStart(6, "0");
  return ys + "-" + String(m).padStart(2, "0") + "-" + String(d).padStart(2, "0");
}

/** `YYYY-MM-DD` for a day number (Arrow date32). */
export function writeDate(w: ByteWriter, days: number): void {
  const k = days - CACHE_FIRST;
  if (k >= 0 && k < CACHE_DAYS) {
    const at = k * 10;
    if (dateCached[k] === 0) {
      const s = dateAscii(days);
      for (let q = 0; q < 10; q++) dateCache[at + q] = s.charCodeAt(q);
      dateCached[k] = 1;
    }
    w.ensure(10);
    const buf = w.buf;
    let p = w.pos;
    for (let q = 0; q < 10; q++) buf[p++] = dateCache[at + q]!;
    w.pos = p;
  } else w.ascii(dateAscii(days));
}

/** Canonical timestamp: `YYYY-MM-DDTHH:MM:SS[.fff…]Z`, fraction trimmed of trailing zeros. */
export function writeTimestamp(w: ByteWriter, secs: number, frac: number, fracDigits: number): void {
  const days = Math.floor(secs / 86400);
  let sod = secs - days * 86400;
  w.byte(QUOTE);
  writeDate(w, days);
  w.ensure(32);
  const buf = w.buf;
  let p = w.pos;
  const h = Math.floor(sod / 3600);
  sod -= h * 3600;
  const m = Math.floor(sod / 60);
  sod -= m * 60;
  buf[p] = 0x54;
  buf[p + 1] = 48 + Math.floor(h / 10);
  buf[p + 2] = 48 + (h % 10);
  buf[p + 3] = 0x3a;
  buf[p + 4] = 48 + Math.floor(m / 10);
  buf[p + 5] = 48 + (m % 10);
  buf[p + 6] = 0x3a;
  buf[p + 7] = 48 + Math.floor(sod / 10);
  buf[p + 8] = 48 + (sod % 10);
  p += 9;
  if (frac !== 0) {
    let digits = fracDigits;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    buf[p] = 0x2e;
    p += digits + 1;
    for (let k = 0, q = p; k < digits; k++) {
      const d = Math.floor(frac / 10);
      buf[--q] = 48 + (frac - d * 10);
      frac = d;
    }
  }
  buf[p] = 0x5a;
  buf[p + 1] = QUOTE;
  w.pos = p + 2;
}

/**
 * Splits a 64-bit count of 1/`perSec` units (lo/hi words) into exact whole seconds and the
 * remainder, without BigInt: the remainder comes from modular arithmetic on 16-bit pieces, after
 * which the seconds are a rounding-safe division.
 */
export function makeUnitSplitter(perSec: number): (lo: number, hi: number) => number {
  const m32 = TWO32 % perSec;
  const m48 = (65536 * m32) % perSec;
  return (lo, hi) => {
    if (perSec === 1) return 0;
    const a = hi >> 16, b = hi & 0xffff;
    const r = (a * m48 + b * m32 + (lo % perSec)) % perSec;
    return r < 0 ? r + perSec : r;
  };
}

// ---------------------------------------------------------------- strings from APIs

const TS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const UTC_ZONE = /^(?:[Zz]|[+-]00(?::?00)?)$/;

/** An API timestamp string in canonical form (UTC, trimmed fraction), or undefined when unparseable. */
export function canonicalTimestamp(s: string): string | undefined {
  const m = TS.exec(s);
  if (m === null) return undefined;
  let frac = m[7] ?? "";
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = end === 0 ? "" : "." + frac.slice(0, end);
  const zone = m[8];
  // UTC or naive (taken as UTC): rearranged as text, no date arithmetic needed.
  if (zone === undefined || UTC_ZONE.test(zone)) {
    if (+m[2]! > 12 || +m[3]! > 31 || +m[4]! > 23 || +m[5]! > 59 || +(m[6] ?? 0) > 59) return undefined;
    return m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + (m[6] ?? "00") + frac + "Z";
  }
  let epoch = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  if (Number.isNaN(epoch)) return undefined;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  epoch -= sign * (+digits.slice(0, 2) * 60 + +(digits.slice(2) || "0")) * 60000;
  const iso = new Date(epoch).toISOString(); // …:SS.000Z for years 0..9999
  if (iso.length !== 24) return undefined;
  return iso.slice(0, 19) + frac + "Z";
}

/** Epoch milliseconds (an API that sends numbers) in canonical form. */
export function timestampFromMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const secs = Math.floor(ms / 1000);
  const frac = Math.round((ms - secs * 1000) * 1000); // µs precision is what a double holds here
  const iso = new Date(secs * 1000).toISOString();
  if (iso.length !== 24) return undefined;
  const f = frac === 0 ? "" : "." + String(frac).padStart(6, "0").replace(/0+$/, "");
  return iso.slice(0, 19) + f + "Z";
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
export function isDateText(s: string): boolean {
  return DATE_ONLY.test(s);
}
