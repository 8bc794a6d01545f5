/**
 * The one reader of timestamp text, for API values (the record writer, the cursor of every read path)
 * and for state values (cursor, max_seen, window bounds, issue times). Pure arithmetic: nothing here
 * goes through `Date.parse` or local time, so a zone-less value means the same under any TZ.
 *
 * Rules:
 * - A value in RFC 3339 `date-time` form (`YYYY-MM-DDTHH:MM:SS[.f…](Z|±HH:MM)`, `T`/`Z` in either case)
 *   is written to records exactly as sent: `.980Z` stays `.980Z`, `+02:00` stays `+02:00`.
 * - Other forms the API may send are completed, never converted: a zone-less value is UTC wall time
 *   (the writer appends `Z`), a space separator becomes `T`, missing seconds become `:00`, a `,` fraction
 *   mark becomes `.`, an offset `+0200` or `+02` becomes `+02:00`. The fraction keeps its digits.
 * - Anything else (out-of-range fields, other shapes) is not a timestamp: it is written as sent and
 *   never moves a cursor. Years are 0000-9999; a leap second (`:60`) is not read.
 * - Instants are ordered at full precision: epoch milliseconds, then the nanoseconds within the
 *   millisecond (digits beyond the 9th are ignored, which can only order a value lower). A cursor keeps
 *   the text of its highest value as the records carry it, so resuming with `gte cursor` re-reads that
 *   value exactly instead of a value rounded to some unit.
 */

/** A point in time: epoch milliseconds (floored) and the nanoseconds within that millisecond. */
export interface Instant {
  readonly ms: number;
  /** 0…999 999. */
  readonly ns: number;
}

/** RFC 3339 `date-time`: the form JSON Schema's `format: date-time` accepts, written as sent. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Every form read (RFC 3339 and the ones completed): date, time, optional seconds, fraction and zone. */
const LENIENT = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const DAY_MS = 86_400_000;

interface Fields {
  readonly instant: Instant;
  /** The text completed to RFC 3339 (the input itself when it already was). */
  readonly text: string;
}

function read(text: string): Fields | undefined {
  const m = LENIENT.exec(text);
  if (m === null) return undefined;
  const year = +m[1]!, month = +m[2]!, day = +m[3]!, hour = +m[4]!, minute = +m[5]!, second = +(m[6] ?? "0");
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const fraction = m[7] ?? "";
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = +m[10]!, om = +(m[11] ?? "0");
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const digits = fraction.slice(0, 9).padEnd(9, "0");
  const ms = daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute - offsetMin) * 60 + second) * 1000 + +digits.slice(0, 3);
  const instant = { ms, ns: +digits.slice(3) };
  if (RFC3339.test(text)) return { instant, text };
  const zone = m[8] === undefined ? "Z" : m[9] === undefined ? m[8] : `${m[9]}${m[10]}:${m[11] ?? "00"}`;
  const completed = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}${fraction === "" ? "" : `.${fraction}`}${zone}`;
  return { instant, text: completed };
}

/** The instant of an API or state timestamp, or undefined when the text is not one. */
export function parseTimestamp(text: string): Instant | undefined {
  return read(text)?.instant;
}

/** Epoch milliseconds (floored) of a timestamp, NaN when the text is not one. */
export function timestampMs(text: string): number {
  return read(text)?.instant.ms ?? Number.NaN;
}

/**
 * The text a record carries for an API timestamp: as sent when it is RFC 3339, completed when it is
 * another readable form, undefined when it is no timestamp (the writer then keeps it as sent).
 */
export function timestampText(text: string): string | undefined {
  if (RFC3339.test(text)) return text;
  return read(text)?.text;
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.ns - b.ns;
}

/** The later of two timestamps by instant (ties keep `a`); an unreadable one loses to a readable one. */
export function laterTimestamp(a: string, b: string): string {
  const x = parseTimestamp(a), y = parseTimestamp(b);
  if (y === undefined) return a;
  if (x === undefined) return b;
  return compareInstants(y, x) > 0 ? b : a;
}

/**
 * An instant as RFC 3339 UTC for values this connector makes up (window bounds, issue times): the
 * milliseconds only when not zero, and the sub-millisecond digits only when there are any.
 */
export function formatInstant(instant: Instant): string {
  const iso = new Date(instant.ms).toISOString(); // UTC; years 0000-9999 give YYYY-MM-DDTHH:MM:SS.sssZ
  if (instant.ns === 0) return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
  const sub = String(instant.ns).padStart(6, "0");
  return `${iso.slice(0, -1)}${sub.endsWith("000") ? sub.slice(0, 3) : sub}Z`;
}

/** `instant` moved by `deltaMs` milliseconds (whole or not: the fraction goes into the nanoseconds). */
export function shiftInstant(instant: Instant, deltaMs: number): Instant {
  const whole = Math.floor(deltaMs);
  let ms = instant.ms + whole;
  let ns = instant.ns + Math.round((deltaMs - whole) * 1e6);
  if (ns >= 1e6) {
    ms++;
    ns -= 1e6;
  }
  return { ms, ns };
}

/**
 * The highest of the timestamps offered, kept as the text records carry for it (`timestampText`), with
 * its instant. Values that are no timestamps are ignored.
 */
export class MaxTimestamp {
  text: string | undefined;
  instant: Instant | undefined;

  /** Offers one value; true when it became the highest. */
  offer(text: string): boolean {
    const fields = read(text);
    if (fields === undefined || (this.instant !== undefined && compareInstants(fields.instant, this.instant) <= 0)) return false;
    this.instant = fields.instant;
    this.text = fields.text;
    return true;
  }
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
