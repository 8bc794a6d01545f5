/**
 * Date and time formats shared by the Arrow and the object input paths: `YYYY-MM-DD` dates and RFC 3339
 * UTC timestamps made from a count of some unit (`YYYY-MM-DDTHH:MM:SS[.f]Z`) with exactly the unit's
 * fraction digits (s none, ms 3, µs 6, ns 9), never trimmed: a value reads the same whatever its
 * fraction ends in. Timestamp text the API sends is read by timestamps.ts.
 */
import type { ByteWriter } from "./json-bytes.js";

const TWO32 = 4294967296;
const QUOTE = 0x22;

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

/** `"YYYY-MM-DDTHH:MM:SS[.fff…]Z"` with exactly `fracDigits` fraction digits (none when 0). */
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
  if (fracDigits > 0) {
    buf[p] = 0x2e;
    p += fracDigits + 1;
    for (let k = 0, q = p; k < fracDigits; k++) {
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

// ---------------------------------------------------------------- numbers from APIs

/**
 * Epoch milliseconds (an API that sends numbers) as RFC 3339 UTC: whole milliseconds with 3 fraction
 * digits (the unit's width, as for an Arrow ms column), a fractional millisecond with 6 (µs is what a
 * double holds here). Strings are timestamps.ts's business.
 */
export function timestampFromMillis(ms: number): string | undefined {
  const secs = Math.floor(ms / 1000);
  const date = new Date(secs * 1000);
  if (Number.isNaN(date.getTime())) return undefined; // beyond what a Date holds (±8.64e15 ms)
  const iso = date.toISOString();
  if (iso.length !== 24) return undefined;
  const whole = Number.isInteger(ms);
  const frac = whole ? ms - secs * 1000 : Math.round((ms - secs * 1000) * 1000);
  return `${iso.slice(0, 19)}.${String(frac).padStart(whole ? 3 : 6, "0")}Z`;
}
