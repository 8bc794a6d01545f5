/**
 * Value encodings shared by the rows endpoint, export files and ground truth. Rows carry values in
 * their JSON wire form; Parquet writers convert back from it, so both paths agree value by value.
 * The date math is the connector's algorithm written again on purpose: the simulator is the tests' oracle,
 * so it must not share code with the encoders it checks.
 */

const DAY_MS = 86_400_000;

const P2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const P3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/** Days since epoch → civil date (H. Hinnant's algorithm); far faster than Date#toISOString on the hot path. */
function civil(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${P2[m]}-${P2[d]}`;
}

/** TIMESTAMP wire form: RFC 3339 UTC with exactly three fraction digits ("…T10:20:30.123Z"). */
export function isoTimestamp(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rem = ms - days * DAY_MS;
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const sec = Math.floor(rem / 1000);
  return `${civil(days)}T${P2[h]}:${P2[mi]}:${P2[sec]}.${P3[rem - sec * 1000]}Z`;
}

/** DATE wire form from days since epoch (years 0000–9999). */
export function isoDate(days: number): string {
  return civil(days);
}

export function dateToDays(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * MONETARY_AMOUNT from an integer count of 1e-9 units. Values stay below 1e14 nanos (≤ 15 significant
 * digits) so the double prints exactly the decimal(38,9) value.
 */
export function money(nanos: number): number {
  return nanos / 1e9;
}

/** Exact unscaled decimal(…,9) value of a wire number: a double's shortest decimal text, or the literal sent. */
export function decimalUnscaled(value: number | { readonly text: string }): bigint {
  const text = typeof value === "number" ? String(value) : value.text;
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const [, sign, int, frac = "", exp] = m;
  let digits = `${int}${frac}`;
  let scale = frac.length - (exp ? Number(exp) : 0);
  while (scale < 9) {
    digits += "0";
    scale++;
  }
  if (scale > 9) digits = digits.slice(0, digits.length - (scale - 9));
  const v = BigInt(digits === "" ? "0" : digits);
  return sign === "-" ? -v : v;
}

export const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isValidDate(s: string): boolean {
  return DATE_RE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && isoDate(dateToDays(s)) === s;
}

export function isValidTimestamp(s: string): boolean {
  return TIMESTAMP_RE.test(s) && !Number.isNaN(Date.parse(s));
}

const WIRE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

/** Epoch ms of the whole seconds of a matched timestamp, zone-less read as UTC (never local time). */
function utcSecondsMs(m: RegExpExecArray): number {
  const d = new Date(0);
  d.setUTCFullYear(+m[1]!, +m[2]! - 1, +m[3]!);
  d.setUTCHours(+m[4]!, +m[5]!, +m[6]!, 0);
  const zone = m[8];
  if (zone === undefined || zone === "Z") return d.getTime();
  const offsetMin = (zone[0] === "-" ? -1 : 1) * (+zone.slice(1, 3) * 60 + +zone.slice(4, 6));
  return d.getTime() - offsetMin * 60_000;
}

/**
 * Comparable form of a timestamp at full precision: UTC `YYYY-MM-DDTHH:MM:SS.fffffffff`, which orders
 * like the instants (years 0000-9999). Zone-less values are UTC wall time.
 */
export function timestampKey(s: string): string | undefined {
  const m = WIRE_TIMESTAMP.exec(s);
  if (m === null) return undefined;
  // UTC already (Z or none, as every row value is): the text is the key.
  const seconds = m[8] === undefined || m[8] === "Z" ? s.slice(0, 19) : new Date(utcSecondsMs(m)).toISOString().slice(0, 19);
  return `${seconds}.${(m[7] ?? "").padEnd(9, "0")}`;
}

/** A wire timestamp as a count of 1/10^digits seconds (Parquet units), exact: no double in between. */
export function timestampUnits(s: string, digits: 3 | 6 | 9): bigint {
  const m = WIRE_TIMESTAMP.exec(s);
  if (m === null) throw new Error(`not a wire timestamp: ${s}`);
  const fraction = (m[7] ?? "").padEnd(digits, "0").slice(0, digits);
  return (BigInt(utcSecondsMs(m) / 1000) * 10n ** BigInt(digits)) + BigInt(fraction === "" ? "0" : fraction);
}
