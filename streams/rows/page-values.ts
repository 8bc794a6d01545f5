/**
 * What the page scanner decides per value: whether its bytes are already what its column's writer would
 * write for it (then they are copied as they are), and the page's highest cursor value. Both read the
 * value's bytes only; a value is parsed just when it must be rewritten or can raise the cursor.
 */
import { Kind, QUOTE } from "../encode/json-scan.js";
import { MaxTimestamp } from "../encode/timestamps.js";

/** How a column's values are written when they are not copied as they are (by Ignite dataType). */
export const Rule = {
  /** STRING, DATE, BOOL, STRING_ARRAY and unknown types: a string without escapes is written as sent. */
  Text: 0,
  /** NUMBER, MONETARY_AMOUNT: a string is written as the number literal it spells, if it spells one. */
  Number: 1,
  /** TIMESTAMP: RFC 3339 text as sent, other forms completed, a number is epoch ms. */
  Timestamp: 2,
} as const;
export type Rule = (typeof Rule)[keyof typeof Rule];

const RULES: Record<string, Rule> = { NUMBER: Rule.Number, MONETARY_AMOUNT: Rule.Number, TIMESTAMP: Rule.Timestamp };

export function ruleOf(dataType: string): Rule {
  return RULES[dataType] ?? Rule.Text;
}

/** Whether the value's bytes are exactly what its column's writer would write for the parsed value. */
export function isCanonical(b: Uint8Array, start: number, end: number, kind: Kind, rule: Rule, stringified: boolean): boolean {
  switch (kind) {
    case Kind.Literal:
    case Kind.CompactStringArray:
      return true;
    case Kind.String:
      return rule === Rule.Text || (rule === Rule.Timestamp && isRfc3339Timestamp(b, start, end));
    case Kind.EscapedString:
      return rule === Rule.Text && stringified;
    case Kind.Number:
      return rule !== Rule.Timestamp; // a number literal is written as sent; in a TIMESTAMP column it is epoch ms
    default:
      return false;
  }
}

/**
 * The quoted string at [start, end) is RFC 3339 `date-time` (timestamps.ts: written as sent):
 * `"YYYY-MM-DD(T|t)HH:MM:SS[.d…](Z|z|±HH:MM)"`, digits not range-checked (the writer keeps such a
 * string as sent either way).
 */
export function isRfc3339Timestamp(b: Uint8Array, start: number, end: number): boolean {
  const close = end - 1;
  if (end - start < 22 || b[start] !== QUOTE || b[close] !== QUOTE) return false;
  const p = start + 1;
  for (let k = 0; k < 19; k++) {
    const c = b[p + k]!;
    const want = TIMESTAMP_SHAPE[k]!;
    if (want === 0 ? !isDigit(c) : want === 0x54 ? c !== 0x54 && c !== 0x74 : c !== want) return false;
  }
  let q = p + 19;
  if (b[q] === 0x2e) {
    const fraction = ++q;
    while (q < close && isDigit(b[q]!)) q++;
    if (q === fraction) return false;
  }
  if (q === close - 1) return b[q] === 0x5a || b[q] === 0x7a;
  return q === close - 6 && (b[q] === 0x2b || b[q] === 0x2d) && isDigit(b[q + 1]!) && isDigit(b[q + 2]!) && b[q + 3] === 0x3a && isDigit(b[q + 4]!) && isDigit(b[q + 5]!);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** 0 = a digit; otherwise the byte itself (0x54 `T` also matches `t`). */
const TIMESTAMP_SHAPE = Array.from("0000-00-00T00:00:00", (c) => (c === "0" ? 0 : c.charCodeAt(0)));

/** The highest cursor value of a page (timestamps.ts), parsing only values that can raise it. */
export class CursorMax extends MaxTimestamp {
  /** `YYYY-MM-DDTHH:MM:SS` of the highest value when that is `…Z`: a `…Z` value below it cannot be higher. */
  #prefix: Buffer | undefined;

  see(b: Buffer, start: number, end: number, kind: Kind): void {
    if (kind === Kind.String) {
      const utc = isUtcTimestamp(b, start, end);
      if (utc && this.#prefix !== undefined && this.#prefix.compare(b, start + 1, start + 20) > 0) return;
      if (this.offer(b.toString("utf8", start + 1, end - 1))) this.#prefix = utc ? Buffer.from(b.subarray(start + 1, start + 20)) : undefined;
    } else if (kind === Kind.EscapedString) {
      if (this.offer(JSON.parse(b.toString("utf8", start, end)) as string)) this.#prefix = undefined;
    }
  }
}

/** RFC 3339 with `T` and `Z`/`z`: such values order like their text, second by second. */
function isUtcTimestamp(b: Uint8Array, start: number, end: number): boolean {
  return (b[end - 2] === 0x5a || b[end - 2] === 0x7a) && b[start + 11] === 0x54 && isRfc3339Timestamp(b, start, end);
}
