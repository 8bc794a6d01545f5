import {
  Dictionary, Field, Int32, Int8, LargeUtf8, List, Table, TimestampMicrosecond, TimestampNanosecond, TimestampSecond, Utf8, makeData, makeVector,
  vectorFromArray, Decimal, DateMillisecond,
} from "apache-arrow";
import { describe, expect, test } from "vitest";
import { JsonNumber } from "../streams/encode/json-lossless.js";
import { compileArrowSerializer } from "../streams/encode/arrow-serializer.js";
import { compileSerializer as compileObjectSerializer, fromDataLines, type OutputColumn, type SerializerOptions } from "../streams/encode/record-serializer.js";
import type { Batch, RecordFraming } from "../streams/contract/stream.js";
import { COLUMNS, arrowTable, logicalRows, objectRow } from "./arrow-fixtures.js";

const FRAMING = { prefix: Buffer.from('{"type":"RECORD","record":{"stream":"s","emitted_at":7,"data":'), suffix: Buffer.from("}}\n") };
const text = (b: Batch, f: RecordFraming = FRAMING): string => Buffer.concat([...b.encode(f)]).toString("utf8");
const dataOf = (line: string): string => line.slice(FRAMING.prefix.length, -2);
const lines = (b: Batch): string[] => text(b).split("\n").slice(0, -1).map(dataOf);
/** Both serializers of one schema, so each test writes the same rows from objects and from Arrow. */
const compileSerializer = (columns: readonly OutputColumn[], options?: SerializerOptions) => ({
  ...compileObjectSerializer(columns, options),
  ...compileArrowSerializer(columns, options),
});

describe("fromArrow and fromObjects write the same text", () => {
  const rows = logicalRows(40);
  const s = compileSerializer(COLUMNS);
  const fromRows = lines(s.fromObjects(rows.map(objectRow)));

  test("exact text of the edge rows (all §14 Arrow types)", () => {
    const got = lines(s.fromArrow(arrowTable(rows).batches[0]!));
    expect(got.slice(0, 4)).toEqual([
      '{"id":null,"note":null,"cat":null,"qty":null,"big":null,"amount":null,"dec":null,"day":null,"ts_ms":null,"ts_us":null,"ts_ns":null,"ok":null,"tags":null}',
      '{"id":"S-000001","note":"quote \\" and \\\\ backslash","cat":"IT «hardware»","qty":1,"big":1152921504606846977,"amount":0,"dec":123456789012345.678901234,"day":"1900-01-01","ts_ms":"1969-12-31T23:59:59.999Z","ts_us":"2026-01-15T10:20:31.000123Z","ts_ns":"2026-01-15T10:20:31.000000007Z","ok":false,"tags":[]}',
      '{"id":"S-000002","note":"line\\nbreak\\ttab\\u0001ctl","cat":"Say \\"hi\\"","qty":2,"big":-36028797018963971,"amount":0.0000001,"dec":-0.000000001,"day":"1970-01-01","ts_ms":"2026-01-15T10:20:32.002Z","ts_us":"1970-01-01T00:00:00.000000Z","ts_ns":"2026-01-15T10:20:32.000000014Z","ok":true,"tags":["a","b\\"q",null]}',
      '{"id":"S-000003","note":"Ærlig øl på Ålesund 北京 🎉","cat":null,"qty":3,"big":3000009,"amount":12345678.125,"dec":5,"day":"9999-12-31","ts_ms":"2026-01-15T10:20:33.003Z","ts_us":"2026-01-15T10:20:33.000369Z","ts_ns":"2026-01-15T10:20:33.000000021Z","ok":null,"tags":["ÆØÅ","x\\\\y"]}',
    ]);
    expect(got).toEqual(fromRows);
    // every line is valid JSON with the same values JSON.parse sees
    for (const l of got) expect(() => JSON.parse(l)).not.toThrow();
  });

  test("sliced batches and startRow give the same lines", () => {
    const batch = arrowTable(rows).batches[0]!;
    expect(lines(s.fromArrow(batch.slice(7, 30)))).toEqual(fromRows.slice(7, 30));
    expect(lines(s.fromArrow(batch.slice(3), 5))).toEqual(fromRows.slice(8));
    expect(s.fromArrow(batch, 38).count).toBe(2);
    expect(s.fromArrow(batch, 99).count).toBe(0);
  });

  test("tiny output chunks: same bytes, and a chunk handed out is never overwritten", () => {
    const small = compileSerializer(COLUMNS, { chunkBytes: 64 });
    const chunks: Uint8Array[] = [];
    const copies: Buffer[] = [];
    for (const c of small.fromArrow(arrowTable(rows).batches[0]!).encode(FRAMING)) {
      chunks.push(c);
      copies.push(Buffer.from(c));
    }
    expect(chunks.length).toBeGreaterThan(20);
    chunks.forEach((c, k) => expect(Buffer.compare(Buffer.from(c), copies[k]!)).toBe(0));
    expect(Buffer.concat(chunks).toString().split("\n").slice(0, -1).map(dataOf)).toEqual(fromRows);
  });
});

describe("output rules", () => {
  test("keys: output key (label) differs from source and Arrow name; extra object keys pass through after known ones", () => {
    const cols: OutputColumn[] = [
      { key: "Amount (amount)", source: "Amount", arrowName: "amount", dataType: "NUMBER" },
      { key: "ID", source: "ID", arrowName: "id", dataType: "STRING" },
    ];
    const s = compileSerializer(cols);
    expect(lines(s.fromObjects([{ zeta: [1, { a: "b" }], ID: "x", Amount: 2.5 }, { ID: "y" }, {}]))).toEqual([
      '{"Amount (amount)":2.5,"ID":"x","zeta":[1,{"a":"b"}]}',
      '{"ID":"y"}',
      "{}",
    ]);
    const t = new Table({ extra: vectorFromArray(["e"], new Utf8()), id: vectorFromArray(["x"], new Utf8()), amount: vectorFromArray([2.5]) });
    expect(lines(s.fromArrow(t.batches[0]!))).toEqual(['{"Amount (amount)":2.5,"ID":"x","extra":"e"}']);
  });

  test("keys with quotes, backslashes, code-like and non-ASCII text are written as JSON (the Arrow row loop is generated from their bytes)", () => {
    const keys = ['a"b', "c\\d", "`${x}`; }); //", "Beløp (NOK) ✓", "*/ \n \u2028"];
    const cols: OutputColumn[] = keys.map((key, j) => ({ key, source: key, arrowName: `c${j}`, dataType: "STRING" }));
    const t = new Table(Object.fromEntries(keys.map((_, j) => [`c${j}`, vectorFromArray([`v${j}`, null], new Utf8())])));
    const got = lines(compileSerializer(cols).fromArrow(t.batches[0]!));
    expect(got.map((l) => JSON.parse(l) as unknown)).toEqual([Object.fromEntries(keys.map((k, j) => [k, `v${j}`])), Object.fromEntries(keys.map((k) => [k, null]))]);
    expect(got[0]).toBe(`{${keys.map((k, j) => `${JSON.stringify(k)}:"v${j}"`).join(",")}}`);
  });

  test("a table too wide for a generated row loop (keys past 2 KB) writes the same records as its rows", () => {
    const cols: OutputColumn[] = Array.from({ length: 48 }, (_, j) => ({ key: `a rather long column label number ${j} (unit)`, source: `c${j}`, dataType: j % 2 ? "NUMBER" : "STRING" }));
    expect(cols.reduce((n, c) => n + c.key.length + 4, 0)).toBeGreaterThan(2048);
    const rows = Array.from({ length: 30 }, (_, i) => Object.fromEntries(cols.map((c, j) => [c.source, i % 7 === j % 7 ? null : j % 2 ? i * j + 0.5 : `r${i} "${j}"`])));
    const t = new Table(Object.fromEntries(cols.map((c, j) => [c.source, j % 2 ? vectorFromArray(rows.map((r) => r[c.source] as number | null)) : vectorFromArray(rows.map((r) => r[c.source] as string | null), new Utf8())])));
    const s = compileSerializer(cols);
    const got = lines(s.fromArrow(t.batches[0]!));
    expect(got).toEqual(lines(s.fromObjects(rows)));
    expect(got).toHaveLength(30);
  });

  test("numbers: doubles (Arrow floats) formatted; literals the API sent (JsonNumber, numeric strings) and bigints written as sent", () => {
    const s = compileSerializer([{ key: "n", source: "n", dataType: "NUMBER" }]);
    const literals = ["9007199254740993", "-9223372036854775807", "123456789012345678901234567890", "12.500000000", "-0.0", "-0", "1E3", "2.5e-7", "0.1234567890123456789"];
    const input: unknown[] = [0.1 + 0.2, -0, NaN, Infinity, 1e21, 1.5e-7, 123.4, 2 ** 53 + 2, ...literals, ...literals.map((l) => new JsonNumber(l)), "abc", " 12", 7n, null, true];
    expect(lines(s.fromObjects(input.map((n) => ({ n }))))).toEqual(
      ["0.30000000000000004", "0", "null", "null", "1000000000000000000000", "0.00000015", "123.4", "9007199254740994", ...literals, ...literals, '"abc"', '" 12"', "7", "null", "true"].map((v) => `{"n":${v}}`),
    );
    // Exact at any depth, in any column type, and in keys no column knows.
    const any = compileSerializer([{ key: "s", source: "s", dataType: "STRING" }, { key: "t", source: "t", dataType: "STRING_ARRAY" }]);
    const nested = { a: [new JsonNumber("1.50"), { b: new JsonNumber("-9223372036854775808"), c: 2n ** 70n, skip: undefined }], d: null };
    expect(lines(any.fromObjects([{ s: new JsonNumber("1e400"), t: ["x", new JsonNumber("0.10")], extra: nested }]))).toEqual([
      '{"s":1e400,"t":["x",0.10],"extra":{"a":[1.50,{"b":-9223372036854775808,"c":1180591620717411303424}],"d":null}}',
    ]);
    const t = new Table({ n: vectorFromArray([0.1 + 0.2, -0, NaN, -Infinity, 1e21, 1.5e-7, 123.4, -42.1, 35184372088832.5]) });
    expect(lines(s.fromArrow(t.batches[0]!))).toEqual(
      ["0.30000000000000004", "0", "null", "null", "1000000000000000000000", "0.00000015", "123.4", "-42.1", "35184372088832.5"].map((v) => `{"n":${v}}`),
    );
  });

  test("decimals: scale applied, trailing zeros trimmed, negatives, 256-bit-free big values, scale 0", () => {
    const words = (vals: bigint[]): Uint32Array => {
      const w = new Uint32Array(vals.length * 4);
      vals.forEach((v, i) => {
        let x = BigInt.asUintN(128, v);
        for (let k = 0; k < 4; k++, x >>= 32n) w[4 * i + k] = Number(x & 0xffffffffn);
      });
      return w;
    };
    const vals = [0n, 1n, -1n, 1_500_000_000n, -1_500_000_000n, 10n ** 37n, -(10n ** 20n) - 1n, 2n ** 60n];
    const t = (scale: number) => new Table({ d: makeVector(makeData({ type: new Decimal(scale, 38, 128), length: vals.length, data: words(vals) })) });
    const s = compileSerializer([{ key: "d", source: "d", dataType: "MONETARY_AMOUNT" }]);
    expect(lines(s.fromArrow(t(9).batches[0]!))).toEqual(
      ["0", "0.000000001", "-0.000000001", "1.5", "-1.5", "10000000000000000000000000000", "-100000000000.000000001", "1152921504.606846976"].map((v) => `{"d":${v}}`),
    );
    expect(lines(s.fromArrow(t(0).batches[0]!))[3]).toBe('{"d":1500000000}');
  });

  test("timestamps: RFC 3339 text as sent, other forms completed (zone-less = UTC), epoch ms and Arrow units with the unit's digits; DATE from date64 and timestamp", () => {
    const s = compileSerializer([{ key: "t", source: "t", dataType: "TIMESTAMP" }]);
    const cases: [unknown, string][] = [
      ["2026-01-15T10:20:30.980Z", "2026-01-15T10:20:30.980Z"],
      ["2026-01-15T10:20:30.000Z", "2026-01-15T10:20:30.000Z"],
      ["2026-01-15T10:20:30Z", "2026-01-15T10:20:30Z"],
      ["2026-01-15T11:20:30.5+01:00", "2026-01-15T11:20:30.5+01:00"],
      ["2026-01-15t10:20:30.123456789012z", "2026-01-15t10:20:30.123456789012z"],
      ["2026-01-15 10:20:30+00:00", "2026-01-15T10:20:30+00:00"],
      ["2026-01-15T05:20:30-0500", "2026-01-15T05:20:30-05:00"],
      ["2026-01-15T10:20:30,5+02", "2026-01-15T10:20:30.5+02:00"],
      ["2026-01-15T10:20:30", "2026-01-15T10:20:30Z"],
      ["2026-01-15T10:20:30.980", "2026-01-15T10:20:30.980Z"],
      ["2026-01-15 10:20", "2026-01-15T10:20:00Z"],
      ["2026-02-30T10:00:00", "2026-02-30T10:00:00"],
      ["2026-02-30T10:00:00Z", "2026-02-30T10:00:00Z"],
      ["not a time", "not a time"],
      [1768472430000, "2026-01-15T10:20:30.000Z"],
      [1768472430980.5, "2026-01-15T10:20:30.980500Z"],
      [new JsonNumber("1768472430120"), "2026-01-15T10:20:30.120Z"],
    ];
    expect(lines(s.fromObjects(cases.map(([t]) => ({ t }))))).toEqual(cases.map(([, out]) => `{"t":${JSON.stringify(out)}}`));
    const secs = makeVector(makeData({ type: new TimestampSecond(), length: 2, data: BigInt64Array.from([1768472430n, -86401n]) }));
    const us = makeVector(makeData({ type: new TimestampMicrosecond("Europe/Oslo"), length: 1, data: BigInt64Array.from([1768472430120000n]) }));
    const ns = makeVector(makeData({ type: new TimestampNanosecond(), length: 1, data: BigInt64Array.from([-1n]) }));
    expect(lines(s.fromArrow(new Table({ t: secs }).batches[0]!))).toEqual(['{"t":"2026-01-15T10:20:30Z"}', '{"t":"1969-12-30T23:59:59Z"}']);
    expect(lines(s.fromArrow(new Table({ t: us }).batches[0]!))).toEqual(['{"t":"2026-01-15T10:20:30.120000Z"}']);
    expect(lines(s.fromArrow(new Table({ t: ns }).batches[0]!))).toEqual(['{"t":"1969-12-31T23:59:59.999999999Z"}']);
    const d = compileSerializer([{ key: "t", source: "t", dataType: "DATE" }]);
    const d64 = makeVector(makeData({ type: new DateMillisecond(), length: 1, data: BigInt64Array.from([1768472430000n]) }));
    expect(lines(d.fromArrow(new Table({ t: d64 }).batches[0]!))).toEqual(['{"t":"2026-01-15"}']);
    expect(lines(d.fromArrow(new Table({ t: secs }).batches[0]!))).toEqual(['{"t":"2026-01-15"}', '{"t":"1969-12-30"}']);
  });

  test("strings: long clean and long escaped values, dictionary and large_utf8, string arrays of large_utf8/dictionary", () => {
    const long = "x".repeat(200) + "é", esc = 'q"'.repeat(100) + "\u001f";
    const s = compileSerializer([{ key: "a", source: "a", dataType: "STRING" }, { key: "b", source: "b", dataType: "STRING" }, { key: "c", source: "c", dataType: "STRING_ARRAY" }]);
    const objects = [{ a: long, b: esc, c: [long, null] }, { a: null, b: "k", c: ["k"] }];
    const t = new Table({
      a: vectorFromArray([long, null], new LargeUtf8()),
      b: vectorFromArray([esc, "k"], new Dictionary(new Utf8(), new Int8())),
      c: vectorFromArray([[long, null], ["k"]], new List(new Field("item", new LargeUtf8(), true))),
    });
    expect(lines(s.fromArrow(t.batches[0]!))).toEqual(lines(s.fromObjects(objects)));
    expect(lines(s.fromObjects(objects))).toEqual(objects.map((o) => JSON.stringify(o)));
    const dictList = new Table({ c: vectorFromArray([["p", "q"], null], new List(new Field("item", new Dictionary(new Utf8(), new Int32()), true))) });
    expect(lines(s.fromArrow(dictList.batches[0]!))).toEqual(['{"c":["p","q"]}', '{"c":null}']);
  });

  test("fromDataLines adds framing to lines serialized elsewhere", () => {
    // a line split across chunks, as a worker hands them over
    const b = fromDataLines([Buffer.from('{"a":1}\n{"a":"x'), Buffer.from('\\ny"}\n')], 2);
    expect(b.count).toBe(2);
    expect(text(b)).toBe(`${FRAMING.prefix}{"a":1}}}\n${FRAMING.prefix}{"a":"x\\ny"}}}\n`);
    expect(text(b, { prefix: new Uint8Array(0), suffix: Buffer.from("\n") })).toBe('{"a":1}\n{"a":"x\\ny"}\n');
    // lines a worker already framed: handed out as they are for that framing, re-framed for another
    const framed = fromDataLines([Buffer.from("<{}>\n<{\"b\"")], 0, { framedWith: { prefix: Buffer.from("<"), suffix: Buffer.from(">\n") } });
    expect(() => text(framed)).toThrow("no newline");
    const pre = fromDataLines([Buffer.from("<{}>\n<{\"b\""), Buffer.from(":2}>\n")], 2, { framedWith: { prefix: Buffer.from("<"), suffix: Buffer.from(">\n") } });
    expect(text(pre, { prefix: Buffer.from("<"), suffix: Buffer.from(">\n") })).toBe('<{}>\n<{"b":2}>\n');
    expect(text(pre)).toBe(`${FRAMING.prefix}{}}}\n${FRAMING.prefix}{"b":2}}}\n`);
  });
});
