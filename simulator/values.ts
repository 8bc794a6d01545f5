/**
 * Value encodings shared by the rows endpoint, export files and ground truth. Rows carry values in
 * their JSON wire form; Parquet writers convert back from it, so both paths agree value by value.
 */

const DAY_MS = 86_400_000;

/** TIMESTAMP wire form: RFC 3339 UTC with exactly three fraction digits ("…T10:20:30.123Z"). */
export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** DATE wire form from days since epoch. Handles years 0000–9999. */
export function isoDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
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

/** Exact unscaled decimal(…,9) value of a wire number, parsed from its shortest decimal text. */
export function decimalUnscaled(value: number): bigint {
  const text = String(value);
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
