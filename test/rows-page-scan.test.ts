import { beforeAll, describe, expect, it } from "vitest";
import { isCanonicalNumber, parseLossless } from "../streams/encode/json-lossless.js";
import { JsonScanner } from "../streams/encode/json-scan.js";
import { isRfc3339Timestamp } from "../streams/rows/row-scan.js";
import { compileRowsPageScanner } from "../streams/rows/rows-page-scan.js";
import { compileSerializer, type OutputColumn } from "../streams/encode/record-serializer.js";
import { maxTimestampOf } from "../streams/sync/cursor-max.js";
import type { Batch, RecordFraming } from "../streams/contract/stream.js";

const FRAMING: RecordFraming = { prefix: Buffer.from('{"type":"RECORD","record":{"stream":"s","emitted_at":1,"data":'), suffix: Buffer.from("}}\n") };

const COLUMNS: OutputColumn[] = [
  { key: "ID", source: "id", dataType: "STRING" },
  { key: "Amount", source: "amount", dataType: "MONETARY_AMOUNT" },
  { key: "Qty", source: "qty", dataType: "NUMBER" },
  { key: "Day", source: "day", dataType: "DATE" },
  { key: "Updated", source: "updated_at", dataType: "TIMESTAMP" },
  { key: "Flag", source: "flag", dataType: "BOOL" },
  { key: "Tags", source: "tags", dataType: "STRING_ARRAY" },
  { key: "Leverandør \"navn\"", source: "leverandør", dataType: "STRING" },
  { key: "Odd", source: "odd", dataType: "SOMETHING_NEW" },
];
/** Output keys that differ from the API's (labels) and the same (names: rows may be copied whole). */
const KEYINGS = {
  labels: COLUMNS,
  names: COLUMNS.map((c) => ({ ...c, key: c.source })),
};
let serializer = compileSerializer(COLUMNS, { chunkBytes: 4096 });
let scanner = compileRowsPageScanner(serializer, { cursorKey: "updated_at", lastKeyKey: "id", chunkBytes: 4096 });
function useKeys(columns: OutputColumn[]): void {
  serializer = compileSerializer(columns, { chunkBytes: 4096 });
  scanner = compileRowsPageScanner(serializer, { cursorKey: "updated_at", lastKeyKey: "id", chunkBytes: 4096 });
}

function text(batch: Batch): string {
  return Buffer.concat([...batch.encode(FRAMING)]).toString("utf8");
}

/** What the object path (the fallback: lossless parse, then `fromObjects`) writes for the same page: the oracle. */
function viaObjects(page: string): { lines: string; token: unknown; last: unknown; max: string | undefined } {
  const value = parseLossless(Buffer.from(page, "utf8")) as { data?: Record<string, unknown>[] | null; nextPageToken?: unknown };
  const rows = value.data ?? [];
  return {
    lines: text(serializer.fromObjects(rows)),
    token: value.nextPageToken === null || value.nextPageToken === "" ? undefined : value.nextPageToken,
    last: rows.at(-1)?.["id"],
    max: maxTimestampOf(rows, "updated_at"),
  };
}

function expectSame(page: string): void {
  const scanned = scanner.scan(Buffer.from(page, "utf8"));
  expect(scanned, page.slice(0, 300)).toBeDefined();
  const oracle = viaObjects(page);
  expect(text(scanned!.batch)).toBe(oracle.lines);
  expect(scanned!.batch.count).toBe((JSON.parse(page) as { data?: unknown[] }).data?.length ?? 0);
  expect(scanned!.nextPageToken).toBe(oracle.token);
  expect(scanned!.lastKey).toEqual(oracle.last);
  expect(scanned!.maxCursor).toBe(oracle.max);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ["plain", "", "Leverandør AS", "quote \" inside", "back\\slash", "tab\there", "new\nline", "emoji 😀", "\u2028sep", "ctl\u0001", "slash/ok", "lone \ud800 surrogate"];
/** String literals as they may come, escaped the way JSON.stringify does (copied) or any other way (rewritten). */
const ESCAPED_TEXTS = ['"\\u0001\\u001f"', '"\\u0001\\u001f\\u007f"', '"\\b\\f\\n\\r\\t"', '"\\u0000x"', '"a\\/b"', '"\\u0041"', '"\\u001F"', '"\\u000a"', '"\\u0008"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00x"', '"\\"\\\\"'];
const NUMBER_TEXTS = ["0", "-0", "1", "-17", "12.5", "12.50", "0.05", "-0.000001", "0.0000001", "1e3", "1E-7", "2.5e+2", "123456789012345", "1234567890123456", "9007199254740993", "0.1234567890123456", "100.000", "3.14159265358979", "-1234567890123.45"];
const TIMESTAMPS = ['"2026-06-01T10:00:00Z"', '"2026-06-01T10:00:00.5Z"', '"2026-06-01T10:00:00.500Z"', '"2026-06-01T10:00:00.123456789Z"', '"2026-06-01T10:00:00.1234567891Z"', '"2026-06-01 10:00:00"', '"2026-06-01T12:00:00+02:00"', '"2026-13-01T10:00:00Z"', '"not a time"', "1717236000000", "null", '"2026-06-01T10:00:00\\u005a"', '"2026-06-01T10:00:60Z"'];

function randomValue(r: () => number, column: OutputColumn): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  if (r() < 0.08) return "null";
  switch (column.dataType) {
    case "MONETARY_AMOUNT":
    case "NUMBER":
      return r() < 0.15 ? JSON.stringify(pick(NUMBER_TEXTS)) : r() < 0.5 ? pick(NUMBER_TEXTS) : String(Math.round((r() - 0.5) * 1e7) / 100);
    case "TIMESTAMP":
      return r() < 0.5 ? pick(TIMESTAMPS) : JSON.stringify(new Date(Date.UTC(2020, 0, 1) + Math.floor(r() * 2e11)).toISOString().replace(".000", ""));
    case "DATE":
      return r() < 0.9 ? '"2026-01-15"' : "20260115";
    case "BOOL":
      return pick(["true", "false", '"yes"', "1"]);
    case "STRING_ARRAY":
      return pick(['["a","b"]', "[]", '["x"]', '[ "spaced" ]', '["esc\\"aped"]', '["ok",1]', '"notarray"', '{"a":[1,{"b":null}]}', '["tab\\t","\\u0001"]', '["a\\/b"]', '["\\u0041","b"]']);
    default:
      if (r() < 0.15) return pick(ESCAPED_TEXTS);
      return r() < 0.2 ? pick(["1.50", "true", '["a"]', '{"k":"v"}']) : JSON.stringify(pick(STRINGS) + (r() < 0.5 ? String(Math.floor(r() * 1000)) : ""));
  }
}

function randomPage(seed: number, rows: number, spaced = true): string {
  const r = rng(seed);
  const ws = (): string => (spaced && r() < 0.1 ? pickWs(r) : "");
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    const members = COLUMNS.filter(() => r() > 0.05).map((c) => `${ws()}${JSON.stringify(c.source)}${ws()}:${ws()}${randomValue(r, c)}${ws()}`);
    if (r() < 0.1) members.reverse();
    if (r() < 0.03) members.push(`"extra_${i % 3}":${JSON.stringify({ n: i })}`);
    if (r() < 0.02) members.push(`"7":"integer-like key"`);
    if (r() < 0.02) members.push(`"id":"repeated"`);
    if (r() < 0.02) members.unshift(`"\\u0069d":"escaped key"`);
    out.push(`{${members.join(",")}}`);
  }
  const token = r() < 0.3 ? "" : r() < 0.5 ? `,"nextPageToken":"tok-${seed}"` : r() < 0.7 ? `,"nextPageToken":null` : `,"nextPageToken":"t\\u00f8k"`;
  const extra = r() < 0.3 ? `,"totalCount":{"approx":[1,2,{"x":true}]}` : "";
  return `{${ws()}"data"${ws()}:${ws()}[${out.join(`,${ws()}`)}]${token}${extra}${ws()}}${ws()}`;
}

function pickWs(r: () => number): string {
  return [" ", "\n", "\t", "\r\n  "][Math.floor(r() * 4)]!;
}

describe.each(Object.entries(KEYINGS))("rows pages scanned from bytes, keyed by %s", (_name, columns) => {
  beforeAll(() => useKeys(columns));

  it("write exactly what the object path writes, on generated pages with every value form", () => {
    for (let seed = 1; seed <= 300; seed++) expectSame(randomPage(seed, 1 + (seed % 40)));
  });

  it("write compact generated pages (no whitespace: rows copied whole or patched) the same", () => {
    for (let seed = 1; seed <= 300; seed++) expectSame(randomPage(seed, 1 + (seed % 40), false));
  });

  it("write canonical compact rows (the usual page) the same, whole or value by value", () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({
      id: `SP-${i}`, amount: i * 1.25 - 20, qty: i, day: "2026-01-15", updated_at: `2026-06-01T10:00:${String(i % 60).padStart(2, "0")}.5Z`,
      flag: i % 2 === 0, tags: i % 3 === 0 ? [] : ["a", "b"], "leverandør": "Leverandør AS", odd: null,
    }));
    expectSame(JSON.stringify({ data: rows, nextPageToken: "next" }));
  });

  it("pages scanned before earlier pages are written (one page ahead, as the rows reader prefetches) keep their own records", () => {
    // Page layouts are reused once their page is written: a page scanned meanwhile must never get one in use.
    const pages = [1, 2, 3, 4, 5].map((seed) => randomPage(1000 + seed, 30 + seed * 7, seed % 2 === 0));
    const oracles = pages.map((page) => viaObjects(page).lines);
    const scanned = pages.map((page) => scanner.scan(Buffer.from(page, "utf8"))!);
    expect(text(scanned[1]!.batch)).toBe(oracles[1]);
    const sixth = randomPage(2000, 60);
    const late = scanner.scan(Buffer.from(sixth, "utf8"))!;
    for (const k of [0, 4, 2, 3]) expect(text(scanned[k]!.batch), `page ${k}`).toBe(oracles[k]);
    expect(text(late.batch)).toBe(viaObjects(sixth).lines);
  });

  it("page bodies read into the scanner's buffers: a written page's memory serves the next body, never one still to be written", () => {
    const read = (page: string): Buffer => {
      const bytes = Buffer.from(page, "utf8");
      const body = scanner.bodyBuffer(bytes.length);
      expect(body.length).toBe(bytes.length);
      bytes.copy(body);
      return body;
    };
    const pages = [11, 12, 13, 14].map((seed) => randomPage(3000 + seed, 60 - 3 * seed, false)); // each no longer than the one before
    const oracles = pages.map((page) => viaObjects(page).lines);
    expect(pages.map((p) => Buffer.byteLength(p))).toEqual(pages.map((p) => Buffer.byteLength(p)).sort((x, y) => y - x));
    const a = read(pages[0]!);
    const pa = scanner.scan(a)!;
    const b = read(pages[1]!); // the next body arrives (and is scanned) before the first page is written
    expect(b.buffer).not.toBe(a.buffer);
    const pb = scanner.scan(b)!;
    expect(text(pa.batch)).toBe(oracles[0]);
    const c = read(pages[2]!); // page a is written: its memory is reused
    expect(c.buffer).toBe(a.buffer);
    const pc = scanner.scan(c)!;
    expect(text(pb.batch)).toBe(oracles[1]);
    expect(text(pc.batch)).toBe(oracles[2]);
    const d = read(pages[3]!);
    expect([a.buffer, b.buffer]).toContain(d.buffer);
    expect(text(scanner.scan(d)!.batch)).toBe(oracles[3]);
    // a body that came from elsewhere (here: a slice of Node's shared pool) is never handed out again
    const small = Buffer.from('{"data":[{"id":"x"}]}');
    expect(text(scanner.scan(small)!.batch)).toBe(viaObjects(small.toString()).lines);
    expect(scanner.bodyBuffer(small.length).buffer).not.toBe(small.buffer);
  });

  it("keep the envelope's meaning: empty, null and absent data, every last-page token form, extra fields", () => {
    for (const page of ['{"data":[]}', '{"data":null}', "{}", '{"nextPageToken":"abc","data":[{"id":"1"}]}', '{"data":[{"id":"1"}],"nextPageToken":""}', '{"data":[{}],"nextPageToken":null}', ' \n{ "data" : [ { "id" : "1" , "amount" : 2.5 } ] }\n']) {
      expectSame(page);
    }
  });

  it("give pretty-printed pages the same records as compact ones", () => {
    const page = randomPage(7, 20);
    expectSame(JSON.stringify(JSON.parse(page), null, 2));
  });

  it("hand anything outside the happy path back to JSON.parse (undefined), never a wrong page", () => {
    for (const page of [
      '{"data":"nope"}', '{"data":[1,2]}', '{"data":[{"id":"1"}]', '{"data":[{"id":"1"}]} x', '[{"id":"1"}]', '<html></html>', "",
      '{"data":[{"id":"1"}],"data":[]}', '{"d\\u0061ta":[]}', '{"data":[{"id":"1",}]}', '{"data":[{"id":01}]}', '{"data":[{"id":"\\x"}]}',
      '{"data":[{"id":"a\u0001"}]}', '{"data":[],"nextPageToken":5}', '\ufeff{"data":[]}',
    ]) {
      expect(scanner.scan(Buffer.from(page, "utf8")), page).toBeUndefined();
    }
    expect(scanner.scan(Buffer.from([0x7b, 0x22, 0x64, 0x61, 0x74, 0x61, 0x22, 0x3a, 0x5b, 0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x5d, 0x7d]))).toBeUndefined();
  });

  it("never accept bytes JSON.parse rejects, and agree with it on whatever it accepts (mutated pages)", () => {
    const r = rng(99);
    let accepted = 0;
    for (let n = 0; n < 3000; n++) {
      const page = Buffer.from(randomPage(1000 + (n % 50), 3), "utf8");
      const at = Math.floor(r() * page.length);
      const mutated = r() < 0.3 ? page.subarray(0, at) : Buffer.concat([page.subarray(0, at), Buffer.from([" ", "]", "}", ",", '"', "\\", ":", "0", "e", "-", "."][Math.floor(r() * 11)]!), page.subarray(at + (r() < 0.5 ? 1 : 0))]);
      const scanned = scanner.scan(mutated);
      let parsed = true;
      try {
        JSON.parse(mutated.toString("utf8"));
      } catch {
        parsed = false;
      }
      if (scanned !== undefined) {
        accepted++;
        expect(parsed, mutated.toString("utf8")).toBe(true);
        expectSame(mutated.toString("utf8"));
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});

describe("canonical forms that are copied as they are", () => {
  const bytes = (s: string): [Buffer, number, number] => [Buffer.from(s), 0, Buffer.byteLength(s)];
  it("numbers: exactly those writeFloat prints the same", () => {
    const r = rng(5);
    const samples = [...NUMBER_TEXTS, "-0.5", "0.1", "10", "100", "999999999999999", "0.000000000000001", "1.000000000000001"];
    for (let k = 0; k < 20000; k++) {
      const digits = Math.floor(r() * 1e6);
      const scale = Math.floor(r() * 8);
      samples.push((r() < 0.3 ? "-" : "") + (digits / 10 ** scale).toFixed(scale));
    }
    for (const s of samples) {
      const w = compileSerializer([{ key: "n", source: "n", dataType: "NUMBER" }]).fromObjects([{ n: JSON.parse(s) as number }]);
      const written = Buffer.concat([...w.encode({ prefix: Buffer.alloc(0), suffix: Buffer.from("\n") })]).toString().slice(5, -2);
      if (isCanonicalNumber(...bytes(s))) expect(written, s).toBe(s);
    }
    expect(isCanonicalNumber(...bytes("12.5"))).toBe(true);
    expect(isCanonicalNumber(...bytes("12.50"))).toBe(false);
    expect(isCanonicalNumber(...bytes("-0"))).toBe(false);
    expect(isCanonicalNumber(...bytes("1e3"))).toBe(false);
    expect(isCanonicalNumber(...bytes("1234567890123456"))).toBe(false);
  });

  it("escaped strings: exactly those in JSON.stringify's form (our writer writes the same)", () => {
    const stringified = (literal: string): boolean => {
      const s = new JsonScanner(Buffer.from(literal));
      expect(s.string(0), literal).toBe(Buffer.byteLength(literal));
      return s.stringified;
    };
    const writeText = compileSerializer([{ key: "s", source: "s", dataType: "STRING" }]);
    const written = (v: string): string => Buffer.concat([...writeText.fromObjects([{ s: v }]).encode({ prefix: Buffer.alloc(0), suffix: Buffer.alloc(0) })]).toString().slice(5, -1);
    for (let c = 0; c < 0x800; c++) {
      const literal = JSON.stringify(`a${String.fromCharCode(c)}b`);
      if (c < 0xd800 || c > 0xdfff) expect(stringified(literal), literal).toBe(true);
      if (stringified(literal)) expect(written(JSON.parse(literal) as string), literal).toBe(literal);
    }
    for (const literal of ['"a\\/b"', '"\\u0041"', '"\\u001F"', '"\\u000a"', '"\\u0008"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\u007f"']) {
      expect(stringified(literal), literal).toBe(false);
    }
  });

  it("timestamps: RFC 3339 date-time (with Z or an offset, any fraction) is copied, other forms are not", () => {
    for (const t of ["2026-06-01T10:00:00Z", "2026-06-01T10:00:00.25Z", "2026-06-01T10:00:00.250Z", "2026-06-01T10:00:00.000Z", "2026-06-01t10:00:00.123456789012z", "2026-06-01T12:00:00+02:00", "2026-06-01T10:00:00.5-00:00"]) {
      expect(isRfc3339Timestamp(...bytes(JSON.stringify(t))), t).toBe(true);
    }
    for (const t of ["2026-06-01T10:00:00.Z", "2026-06-01 10:00:00Z", "2026-06-01T10:00:00", "2026-06-01T10:00:00.5", "2026-06-01T10:00Z", "2026-06-01T10:00:00+0200", "2026-06-01T10:00:00+02", "2026-06-01T10:00:00,5Z", "2026-06-01T10:00:00ZZ", "x2026-06-01T10:00:00Z"]) {
      expect(isRfc3339Timestamp(...bytes(JSON.stringify(t))), t).toBe(false);
    }
  });
});
