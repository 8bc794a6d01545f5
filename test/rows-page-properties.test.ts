/**
 * Property tests (fast-check, fixed seeds) of the rows-page byte scanner and writer against a JSON.parse
 * reference: `serializer.fromObjects(JSON.parse(page).data)`, what the rows path wrote before values were
 * kept as sent. Generated pages carry every JSON escape (short forms, `\/`, `\uXXXX` in either case,
 * surrogate pairs, escaped lone surrogates), every number form (integers, `-0`, fractions, exponents
 * e/E/+/-, integers beyond 2^53 and 2^63, long decimals), nested arrays and objects, whitespace between
 * any tokens, keys in any order, unknown, escaped and repeated keys.
 *
 * Every record must read (JSON.parse) the same as the reference's, and be the reference's text token for
 * token, except number tokens where the reference lost precision (a literal a double does not give back):
 * there the record must carry a literal the page sent, digit for digit. The JSON export reader is held to
 * the same, through its chunked scanner.
 */
import fc from "fast-check";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readJsonExportFile } from "../streams/export/json/json-export-reader.js";
import { JsonNumber, parseLossless } from "../streams/encode/json-lossless.js";
import { compileRowsPageScanner } from "../streams/rows/rows-page-scan.js";
import { compileSerializer, type OutputColumn } from "../streams/encode/record-serializer.js";
import type { Batch } from "../streams/contract/stream.js";

const SEED = 20261205;

const COLUMNS: OutputColumn[] = [
  { key: "id", source: "id", dataType: "STRING" },
  { key: "amount", source: "amount", dataType: "MONETARY_AMOUNT" },
  { key: "big_counter", source: "big_counter", dataType: "NUMBER" },
  { key: "day", source: "day", dataType: "DATE" },
  { key: "updated_at", source: "updated_at", dataType: "TIMESTAMP" },
  { key: "flag", source: "flag", dataType: "BOOL" },
  { key: "tags", source: "tags", dataType: "STRING_ARRAY" },
  { key: "odd", source: "odd", dataType: "SOMETHING_NEW" },
];
const NO_FRAMING = { prefix: new Uint8Array(0), suffix: Buffer.from("\n") };

// ------------------------------------------------------------------ generators (text as a page sends it)

const ws = fc.array(fc.constantFrom(" ", "\t", "\n", "\r"), { maxLength: 2 }).map((a) => a.join(""));
const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(""));

/** `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`, weighted towards the forms a double does not keep. */
const numberLiteral: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom("0", "-0", "-0.0", "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808", "18446744073709551617", "0.10", "1.50", "1e400"),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.tuple(fc.boolean(), fc.oneof(fc.constant("0"), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 28)).map(([a, b]) => `${a}${b}`)), fc.option(digits(1, 30), { nil: undefined }), fc.option(fc.tuple(fc.constantFrom("e", "E"), fc.constantFrom("", "+", "-"), digits(1, 3)), { nil: undefined })).map(
    ([neg, whole, fraction, exp]) => `${neg ? "-" : ""}${whole}${fraction === undefined ? "" : `.${fraction}`}${exp === undefined ? "" : exp.join("")}`,
  ),
);

const hex = (c: number, upper: boolean): string => {
  const h = c.toString(16).padStart(4, "0");
  return `\\u${upper ? h.toUpperCase() : h}`;
};
const SHORT: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "/": "\\/" };

/** One character (or surrogate pair, or lone surrogate) as string content, escaped in one of the ways JSON allows. */
const stringPiece: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom('"', "\\", "/", "\b", "\f", "\n", "\r", "\t", "\u0000", "\u001f", "\u007f", "\u2028", "é", "ø"),
      fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x80, max: 0xd7ff }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), // a lone surrogate
    ),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([ch, style]) => {
    const units = [...Array(ch.length).keys()].map((k) => ch.charCodeAt(k));
    const lone = ch.length === 1 && units[0]! >= 0xd800 && units[0]! <= 0xdfff;
    const mustEscape = lone || units[0]! < 0x20 || ch === '"' || ch === "\\";
    if (style === 0 && !mustEscape) return ch; // raw (UTF-8 on the wire)
    if (style <= 1 && SHORT[ch] !== undefined) return SHORT[ch]!;
    return units.map((u) => hex(u, style === 3)).join(""); // \uXXXX, lower or upper case, pairs as two
  });
const stringLiteral = fc.array(stringPiece, { maxLength: 8 }).map((p) => `"${p.join("")}"`);

const timestampLiteral = fc
  .tuple(
    fc.integer({ min: 1900, max: 2100 }),
    fc.integer({ min: 1, max: 13 }),
    fc.integer({ min: 1, max: 31 }),
    fc.integer({ min: 0, max: 23 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 0, max: 59 }),
    fc.option(digits(1, 12), { nil: undefined }),
    fc.constantFrom("Z", "z", "", "+02:00", "-05:30", "+0200", "+02", "-00:00"),
    fc.constantFrom("T", "t", " "),
  )
  .map(([y, mo, d, h, mi, s, f, zone, sep]) => {
    const p = (n: number, w = 2): string => String(n).padStart(w, "0");
    return JSON.stringify(`${p(y, 4)}-${p(mo)}-${p(d)}${sep}${p(h)}:${p(mi)}:${p(s)}${f === undefined ? "" : `.${f}`}${zone}`);
  });

/** Any JSON value, nested up to 3 levels, with whitespace inside containers. */
const anyValue: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    numberLiteral,
    stringLiteral,
    fc.constantFrom("true", "false", "null"),
    fc.array(fc.tuple(ws, tie("value"), ws), { maxLength: 4 }).map((items) => `[${items.map((i) => i.join("")).join(",")}]`),
    fc.array(fc.tuple(stringLiteral, ws, tie("value")), { maxLength: 4 }).map((members) => `{${members.map(([k, w, v]) => `${k}${w}:${w}${v}`).join(",")}}`),
  ),
})).value;

/** A value for a column: mostly its type's forms, sometimes anything. */
function columnValue(c: OutputColumn): fc.Arbitrary<string> {
  const typed: Record<string, fc.Arbitrary<string>> = {
    STRING: stringLiteral,
    MONETARY_AMOUNT: fc.oneof(numberLiteral, numberLiteral.map((n) => `"${n}"`)),
    NUMBER: fc.oneof(numberLiteral, numberLiteral.map((n) => `"${n}"`)),
    DATE: fc.constantFrom('"2026-01-15"', '"1970-01-01"'),
    TIMESTAMP: fc.oneof(timestampLiteral, fc.bigInt({ min: -(10n ** 12n), max: 4n * 10n ** 12n }).map(String), numberLiteral),
    BOOL: fc.constantFrom("true", "false"),
    STRING_ARRAY: fc.array(fc.oneof(stringLiteral, numberLiteral), { maxLength: 3 }).map((a) => `[${a.join(",")}]`),
  };
  return fc.oneof({ weight: 6, arbitrary: typed[c.dataType] ?? anyValue }, { weight: 1, arbitrary: fc.constant("null") }, { weight: 1, arbitrary: anyValue });
}

const keyText = (key: string): fc.Arbitrary<string> =>
  fc.boolean().map((escape) => (escape ? `"${[...key].map((ch) => hex(ch.charCodeAt(0), false)).join("")}"` : JSON.stringify(key)));

const row: fc.Arbitrary<string> = fc
  .tuple(
    fc.shuffledSubarray(COLUMNS),
    fc.array(fc.tuple(fc.constantFrom("extra", "Ünknown", "7", "nested"), anyValue), { maxLength: 2 }),
    fc.option(fc.tuple(fc.constantFrom(...COLUMNS.map((c) => c.source)), anyValue), { nil: undefined }),
  )
  .chain(([cols, extras, repeated]) =>
    fc
      .tuple(
        fc.tuple(...cols.map((c) => fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constant(JSON.stringify(c.source)) }, { weight: 1, arbitrary: keyText(c.source) }), columnValue(c)))),
        fc.array(ws, { minLength: 4 * (cols.length + extras.length + 1), maxLength: 4 * (cols.length + extras.length + 1) }),
      )
      .map(([members, spaces]) => {
        const all = [...members, ...extras.map(([k, v]) => [JSON.stringify(k), v] as const), ...(repeated === undefined ? [] : [[JSON.stringify(repeated[0]), repeated[1]] as const])];
        let s = 0;
        return `{${all.map(([k, v]) => `${spaces[s++]}${k}${spaces[s++]}:${spaces[s++]}${v}${spaces[s++]}`).join(",")}}`;
      }),
  );

const page = fc.tuple(fc.array(row, { minLength: 1, maxLength: 6 }), ws, ws).map(([rows, a, b]) => `{${a}"data"${b}:${a}[${rows.join(`,${b}`)}]${b},"nextPageToken":"t"}`);

// ------------------------------------------------------------------ the reference and the comparison

/** Tokens of compact or spaced JSON text: strings and numbers as their raw text. */
function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null|[{}[\]:,]/g) ?? [];
}
const isNumberToken = (t: string): boolean => /^-?\d/.test(t);
const numberColumn = compileSerializer([{ key: "n", source: "n", dataType: "NUMBER" }]);
/** A literal the reference (JSON.parse, then the number writer) gives back as it is. */
const keptByDouble = (t: string): boolean => lines(numberColumn.fromObjects([{ n: JSON.parse(t) as number }]))[0] === `{"n":${t}}`;

/** Number literals a page sends: number tokens, and numeric strings (a NUMBER column writes them as numbers). */
function sentLiterals(text: string): Set<string> {
  const out = new Set<string>();
  for (const t of tokens(text)) {
    if (isNumberToken(t)) out.add(t);
    else if (t.startsWith('"')) out.add(JSON.parse(t) as string);
  }
  return out;
}

/** JSON.parse values equal, but where the reference's double lost what the literal said (-0 → 0, 1e400 → null). */
function sameValue(got: unknown, ref: unknown): boolean {
  if (typeof got === "number") return Object.is(got, ref) || (Object.is(got, -0) && ref === 0) || (!Number.isFinite(got) && ref === null);
  if (Array.isArray(got)) return Array.isArray(ref) && got.length === ref.length && got.every((g, k) => sameValue(g, ref[k]));
  if (got !== null && typeof got === "object") {
    if (ref === null || typeof ref !== "object" || Array.isArray(ref)) return false;
    const a = Object.keys(got), b = Object.keys(ref);
    return a.length === b.length && a.every((k, i) => k === b[i] && sameValue((got as Record<string, unknown>)[k], (ref as Record<string, unknown>)[k]));
  }
  return Object.is(got, ref);
}

function expectFaithful(lines: string[], reference: string[], sent: Set<string>, context: string): void {
  expect(lines.length, context).toBe(reference.length);
  lines.forEach((line, i) => {
    const ref = reference[i]!;
    expect(sameValue(JSON.parse(line), JSON.parse(ref)), `${context}\nrecord    ${line}\nreference ${ref}`).toBe(true);
    const got = tokens(line), want = tokens(ref);
    expect(got.length, `${context}\n${line}\n${ref}`).toBe(want.length);
    got.forEach((t, k) => {
      if (t === want[k]) {
        if (isNumberToken(t)) expect(sent.has(t), `${context}: ${t} was not sent`).toBe(true);
        return;
      }
      // Only a number the reference could not keep may differ, and then it is the literal sent.
      expect(isNumberToken(t) && !keptByDouble(t) && sent.has(t), `${context}\nrecord token ${t}, reference ${want[k]!}\n${line}\n${ref}`).toBe(true);
    });
  });
}

const lines = (batch: Batch): string[] => Buffer.concat([...batch.encode(NO_FRAMING)]).toString("utf8").split("\n").slice(0, -1);

describe("rows pages: the byte scanner and writer against JSON.parse", () => {
  const serializer = compileSerializer(COLUMNS, { chunkBytes: 1024 });
  const scanner = compileRowsPageScanner(serializer, { cursorKey: "updated_at", lastKeyKey: "id", chunkBytes: 1024 });

  it("write every record as the reference reads it, with the page's own digits where the reference lost them", () => {
    fc.assert(
      fc.property(page, (text) => {
        const scanned = scanner.scan(Buffer.from(text, "utf8"));
        expect(scanned, text).toBeDefined();
        const reference = lines(serializer.fromObjects((JSON.parse(text) as { data: Record<string, unknown>[] }).data));
        expectFaithful(lines(scanned!.batch), reference, sentLiterals(text), text);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("the lossless parse (the fallback path) equals JSON.parse, with every number a double does not keep as its literal", () => {
    // The oracle: JSON.parse of the same text with each number token turned into a marker string holding it.
    const MARK = "\u0000N:";
    const marked = (text: string): unknown => JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*/g, (t) => (t.startsWith('"') ? t : JSON.stringify(MARK + t))));
    const check = (got: unknown, want: unknown): void => {
      if (typeof want === "string" && want.startsWith(MARK)) {
        const literal = want.slice(MARK.length);
        if (keptByDouble(literal)) expect(Object.is(got, JSON.parse(literal)), literal).toBe(true);
        else expect(got instanceof JsonNumber && got.text === literal, `${literal}: ${String(got)}`).toBe(true);
      } else if (Array.isArray(want)) {
        expect(Array.isArray(got) && got.length === want.length).toBe(true);
        want.forEach((w, k) => check((got as unknown[])[k], w));
      } else if (want !== null && typeof want === "object") {
        expect(Object.keys(got as object)).toEqual(Object.keys(want));
        for (const [k, w] of Object.entries(want)) check((got as Record<string, unknown>)[k], w);
      } else expect(Object.is(got, want), `${String(got)} vs ${String(want)}`).toBe(true);
    };
    fc.assert(
      fc.property(anyValue, ws, (text, pad) => check(parseLossless(Buffer.from(pad + text + pad, "utf8")), marked(text))),
      { seed: SEED, numRuns: 600 },
    );
  });
});

describe("JSON export files: the chunked row scanner and batch parse against JSON.parse", () => {
  it("give every row's numbers their literal, whatever the chunk boundaries and the batch size", async () => {
    const serializer = compileSerializer(COLUMNS);
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 3 }), async (rows, chunk, batchRows) => {
        const text = rows.join("\n") + "\n";
        const bytes = Buffer.from(text, "utf8");
        const chunks = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, k) => bytes.subarray(k * chunk, (k + 1) * chunk));
        const got: string[] = [];
        for await (const batch of readJsonExportFile(Readable.from(chunks), { batchRows })) got.push(...lines(serializer.fromObjects(batch)));
        const reference = lines(serializer.fromObjects(rows.map((r) => JSON.parse(r) as Record<string, unknown>)));
        expectFaithful(got, reference, sentLiterals(text), text);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
