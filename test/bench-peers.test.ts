/**
 * The peers benchmark's pre-check (`npm run bench -- --peers`): the comparison itself, then the real thing on a
 * tiny simulator: this connector, the airbyte-cdk manifest and the singer-sdk tap (each from its pinned venv
 * under .cache/venvs) must all return the API's rows, and a peer that returns different data must be caught.
 *
 * Needs Python 3.10–3.13 and PyPI for the first install (cached afterwards). Without Python the real half is
 * skipped, or fails under CI (test/helpers/requires.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPeers, describeChecks } from "../bench/peer-check.js";
import { compareRecords, recordsOf, type TableTruth } from "../bench/peer-records.js";
import { peerPrograms, type Program } from "../bench/peers.js";
import { findPython } from "../bench/python-venv.js";
import { describeRequiring } from "./helpers/requires.js";

const repo = join(import.meta.dirname, "..");

describe("peer pre-check: the comparison", () => {
  const truth: TableTruth[] = [
    {
      id: "spend",
      key: ["id"],
      rows: [
        { id: "A", amount: 1.5, note: null, tags: ["x", "y"], updated_at: "2025-01-01T00:00:01.980Z" },
        { id: "B", amount: 2, note: "n", tags: null, updated_at: "2025-01-01T00:00:02.000Z" },
      ],
    },
  ];
  const a = (data: Record<string, unknown>): { stream: string; data: Record<string, unknown> } => ({ stream: "spend", data });
  const rowA = { id: "A", amount: 1.5, note: null, tags: ["x", "y"], updated_at: "2025-01-01T00:00:01.980Z" };
  const rowB = { id: "B", amount: 2, note: "n", tags: null, updated_at: "2025-01-01T00:00:02.000Z" };
  const strict = { absentMeansNull: false };

  it("accepts the API's rows exactly as sent", () => {
    expect(compareRecords(truth, [a(rowA), a(rowB)], strict)).toEqual({ records: 2, differences: [], differenceCount: 0, absentNulls: 0 });
  });

  it("counts absent fields as null only for a program that drops nulls, and only where the API sent null", () => {
    const { note: _, ...withoutNote } = rowA;
    expect(compareRecords(truth, [a(withoutNote), a(rowB)], { absentMeansNull: true })).toMatchObject({ differenceCount: 0, absentNulls: 1 });
    expect(compareRecords(truth, [a(withoutNote), a(rowB)], strict).differences).toEqual(['spend ["A"]: note is missing (the API sent null)']);
    const { note: __, ...bWithoutNote } = rowB;
    expect(compareRecords(truth, [a(rowA), a(bWithoutNote)], { absentMeansNull: true }).differences).toEqual(['spend ["B"]: note is missing (the API sent "n")']);
  });

  it("reports every kind of difference", () => {
    const cases: [Record<string, unknown>[], string][] = [
      [[{ ...rowA, amount: 1.5000000000000002 }, rowB], 'spend ["A"]: amount is 1.5000000000000002, the API sent 1.5'],
      [[{ ...rowA, amount: "1.5" }, rowB], 'spend ["A"]: amount is "1.5", the API sent 1.5'],
      [[{ ...rowA, tags: ["y", "x"] }, rowB], 'spend ["A"]: tags is ["y","x"], the API sent ["x","y"]'],
      [[{ ...rowA, updated_at: "2025-01-01T00:00:01.981Z" }, rowB], 'spend ["A"]: updated_at is "2025-01-01T00:00:01.981Z", the API sent "2025-01-01T00:00:01.980Z"'],
      // the same instant in other text is still a difference: values are written as the API sent them
      [[{ ...rowA, updated_at: "2025-01-01T00:00:01.98Z" }, rowB], 'spend ["A"]: updated_at is "2025-01-01T00:00:01.98Z", the API sent "2025-01-01T00:00:01.980Z"'],
      [[{ ...rowA, extra: 1 }, rowB], 'spend ["A"]: extra is not a column the API sent'],
      [[rowA, rowB, rowB], 'spend ["B"]: written twice'],
      [[rowA, rowB, { ...rowB, id: "C" }], 'spend ["C"]: not a row of the API'],
      [[rowA], 'spend: 1 of 2 rows missing, first ["B"]'],
    ];
    for (const [rows, message] of cases) expect(compareRecords(truth, rows.map(a), strict).differences).toEqual([message]);
    expect(compareRecords(truth, [a(rowA), a(rowB), { stream: "other", data: {} }], strict).differences).toEqual(["records of a stream the API does not have: other"]);
  });

  it("reads RECORD lines of both envelopes and nothing else", () => {
    const airbyte = ['{"type":"LOG","log":{"message":"x"}}', '{"type":"RECORD","record":{"stream":"spend","data":{"id":"A"},"emitted_at":1}}', '{"type":"STATE","state":{}}'].join("\n");
    const singer = ['{"type":"SCHEMA","stream":"spend","schema":{}}', '{"type":"RECORD","stream":"spend","record":{"id":"A"},"time_extracted":"2025-01-01T00:00:00Z"}', ""].join("\n");
    expect(recordsOf(airbyte, "airbyte")).toEqual([{ stream: "spend", data: { id: "A" } }]);
    expect(recordsOf(singer, "singer")).toEqual([{ stream: "spend", data: { id: "A" } }]);
  });
});

const python = await findPython();

describeRequiring("peer pre-check on a real simulator", python.python === undefined ? python.reason : undefined, () => {
  let programs: Program[];
  let dir: string;
  beforeAll(async () => {
    const t0 = Date.now();
    const peers = await peerPrograms();
    programs = peers.programs;
    console.info(`[bench-peers.test] peers ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (venv installs ${(peers.installMs / 1000).toFixed(0)} s; 0 = cached) on ${peers.python}`);
    dir = mkdtempSync(join(tmpdir(), "bench-peers-test-"));
  }, 1_500_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("this connector, the manifest and the singer-sdk tap return the API's rows for every table", async () => {
    const checks = await checkPeers(programs, { spendRows: 300, pageSize: 100 });
    const text = describeChecks(checks);
    expect(checks.map((c) => c.program.id)).toEqual(["connector", "manifest", "singer-sdk"]);
    for (const { program, comparison } of checks) {
      expect(comparison.differences, `${program.label}\n${text}`).toEqual([]);
      // spend 300, suppliers 300, contracts 200, two classification tables of 100 (bench/sim-process.ts)
      expect(comparison.records, program.label).toBe(1000);
    }
    // the manifest really drops nulls (so the normalization is needed and exercised)
    expect(checks.find((c) => c.program.id === "manifest")!.comparison.absentNulls).toBeGreaterThan(0);
  }, 600_000);

  it("catches a peer that returns different data: a manifest that does not ask for amount", async () => {
    const manifest = programs.find((p) => p.id === "manifest")!;
    const original = join(repo, "bench/peers/ignite-manifest.yaml");
    const broken = join(dir, "manifest-without-amount.yaml");
    const yaml = readFileSync(original, "utf8");
    expect(yaml).toContain("fields: [id, amount, ");
    writeFileSync(broken, yaml.replace("fields: [id, amount, ", "fields: [id, "));
    const wrong: Program = {
      ...manifest,
      command: async (...args) => {
        const c = await manifest.command(...args);
        return { ...c, args: c.args.map((x) => (x === original ? broken : x)) };
      },
    };
    const [check] = await checkPeers([wrong], { spendRows: 50, pageSize: 100 });
    expect(check!.comparison.differenceCount).toBe(50);
    expect(check!.comparison.differences[0]).toMatch(/^spend \["SP\d+"\]: amount is missing \(the API sent -?[\d.]+\)$/);
  }, 600_000);
});

describe("README", () => {
  it("has the block `npm run bench -- --peers --write-readme` rewrites, once", () => {
    const readme = readFileSync(join(repo, "README.md"), "utf8");
    expect(readme.split("<!-- bench:peers:start -->").length).toBe(2);
    expect(readme.indexOf("<!-- bench:peers:end -->")).toBeGreaterThan(readme.indexOf("<!-- bench:peers:start -->"));
  });
});
