/**
 * Fuzz: the BigInt-free fast paths (int64, decimal remainders, timestamp unit splitting, float
 * shortcuts) against a BigInt/String oracle on random values, edges included. Timestamps carry exactly
 * their unit's fraction digits (s none, ms 3, µs 6, ns 9).
 */
import { Decimal, Int64, Table, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, makeData, makeVector, vectorFromArray } from "apache-arrow";
import { describe, expect, test } from "vitest";
import { compileArrowSerializer } from "../streams/encode/arrow-serializer.js";

const FRAMING = { prefix: new Uint8Array(0), suffix: Buffer.from("\n") };
let seed = 12345;
function rnd64(): bigint {
  let x = 0n;
  for (let k = 0; k < 4; k++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    x = (x << 16n) | BigInt(seed & 0xffff);
  }
  return BigInt.asIntN(64, x >> BigInt(seed % 60)); // all magnitudes
}
const EDGES = [0n, 1n, -1n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n, -(2n ** 32n), 999_999_999n, 1_000_000_000n, -999_999_999n];
const values = [...EDGES, ...Array.from({ length: 4000 }, rnd64)];
const out = (t: Table, dataType: string): string[] =>
  Buffer.concat([...compileArrowSerializer([{ key: "v", source: "v", dataType }]).fromArrow(t.batches[0]!).encode(FRAMING)]).toString().split("\n").slice(0, -1).map((l) => l.slice(5, -1));

function decimalOracle(v: bigint, scale: number): string {
  const neg = v < 0n, d = (neg ? -v : v).toString().padStart(scale + 1, "0");
  let s = scale === 0 ? d : d.slice(0, -scale) + "." + d.slice(-scale);
  if (scale > 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return (neg ? "-" : "") + s;
}
function tsOracle(v: bigint, perSec: bigint, digits: number): string {
  let secs = v / perSec, frac = v % perSec;
  if (frac < 0n) {
    frac += perSec;
    secs -= 1n;
  }
  const iso = new Date(Number(secs) * 1000).toISOString(); // ±YYYYYY-… past year 9999
  const base = iso.slice(0, -5); // without ".sssZ"
  const f = digits === 0 ? "" : "." + frac.toString().padStart(digits, "0"); // the unit's width, never trimmed
  return `"${base}${f}Z"`;
}

describe("fast paths match the BigInt oracle", () => {
  test("int64", () => {
    const t = new Table({ v: makeVector(makeData({ type: new Int64(), length: values.length, data: BigInt64Array.from(values) })) });
    expect(out(t, "NUMBER")).toEqual(values.map(String));
  });

  for (const scale of [0, 2, 4, 9, 12]) {
    test(`decimal(38,${scale}), 64-bit and wider values`, () => {
      const wide = [...values, ...values.slice(0, 300).map((v) => v * 10n ** 15n)];
      const words = new Uint32Array(wide.length * 4);
      wide.forEach((v, i) => {
        let x = BigInt.asUintN(128, v);
        for (let k = 0; k < 4; k++, x >>= 32n) words[4 * i + k] = Number(x & 0xffffffffn);
      });
      const t = new Table({ v: makeVector(makeData({ type: new Decimal(scale, 38, 128), length: wide.length, data: words })) });
      expect(out(t, "MONETARY_AMOUNT")).toEqual(wide.map((v) => decimalOracle(v, scale)));
    });
  }

  const units = [
    [new TimestampSecond(), 1n, 0],
    [new TimestampMillisecond(), 1000n, 3],
    [new TimestampMicrosecond("UTC"), 1000000n, 6],
    [new TimestampNanosecond(), 1000000000n, 9],
  ] as const;
  for (const [type, perSec, digits] of units) {
    test(`timestamp ${type.toString()} across ±290 years`, () => {
      // Date covers ±8.64e15 ms; keep values inside years 1700..2260
      const limit = 9_000_000_000n * perSec;
      const ts = values.map((v) => v % limit);
      const t = new Table({ v: makeVector(makeData({ type, length: ts.length, data: BigInt64Array.from(ts) })) });
      expect(out(t, "TIMESTAMP")).toEqual(ts.map((v) => tsOracle(v, perSec, digits)));
    });
  }

  test("timestamps just below, at and after a whole second, near 2^52 units (where a plain division would be least exact)", () => {
    for (const [type, perSec, digits] of units) {
      const ts: bigint[] = [];
      for (const edge of [2n ** 52n, 2n ** 52n - 7919n * perSec, -(2n ** 52n), 2n ** 53n]) {
        const whole = (edge / perSec) * perSec;
        for (const k of [-perSec, 0n, perSec]) for (const d of [-1n, 0n, 1n]) ts.push(whole + k + d);
      }
      const inDateRange = ts.filter((v) => v / perSec < 8_000_000_000_000n && v / perSec > -8_000_000_000_000n);
      const t = new Table({ v: makeVector(makeData({ type, length: inDateRange.length, data: BigInt64Array.from(inDateRange) })) });
      expect(out(t, "TIMESTAMP"), type.toString()).toEqual(inDateRange.map((v) => tsOracle(v, perSec, digits)));
    }
  });

  test("float64 matches String(x) (exponents expanded)", () => {
    const xs = [...Array.from({ length: 20000 }, (_, i) => Math.round((Math.sin(i) * 10 ** (i % 16)) * 100) / 100), ...Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 10 ** ((i % 40) - 20))];
    const t = new Table({ v: vectorFromArray(xs) });
    const got = out(t, "NUMBER");
    xs.forEach((x, i) => {
      if (!String(x).includes("e")) expect(got[i]).toBe(String(x));
      else expect(Number(got[i])).toBe(x);
    });
  });
});
