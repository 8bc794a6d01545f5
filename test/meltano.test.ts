/**
 * Meltano runs the connector's Singer mode: `meltano run tap-ignite-procurement target-jsonl` on
 * examples/meltano/meltano.yml (target-jsonl from PyPI), twice, the second time with the state
 * Meltano stored. Skipped until package.json declares the `tap-ignite-procurement` bin and it is built.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { exec, type RunResult } from "../bench/exec.js";
import { ensureVenv, findPython, type Venv } from "../bench/python-venv.js";
import { describeRequiring } from "./helpers/requires.js";
import { simCount, simTables, spawnSimulator, type SimProcess, type SimTable } from "./helpers/simulator-truth.js";

/** The instant 1 ms after an RFC 3339 timestamp: `gte` of it means `gt` (TIMESTAMP filters offer no `gt`). */
const afterMs = (ts: string): string => new Date(Date.parse(ts) + 1).toISOString();

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const project = join(repo, "examples/meltano");
/** 4.4.1 installs on Python 3.11 here in ~30 s; target-jsonl 0.1.4 (pinned in meltano.yml) in ~15 s. */
const MELTANO = "meltano==4.4.1";
const SELECTED = ["spend", "suppliers", "contracts"];

const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { bin?: Record<string, string> };
const tapBin = pkg.bin?.["tap-ignite-procurement"];
const python = await findPython();
const skipReason = !tapBin
  ? "package.json declares no `tap-ignite-procurement` bin yet (Singer mode not written)"
  : !existsSync(join(repo, tapBin))
    ? `${tapBin} is not built (run \`npm run build\`)`
    : "reason" in python
      ? python.reason
      : undefined;

describeRequiring("Meltano runs tap-ignite-procurement → target-jsonl", skipReason, () => {
  let venv: Venv;
  let sim: SimProcess;
  let work: string;
  let tables: SimTable[];

  const meltano = (args: string[], out: string): Promise<RunResult> =>
    exec(venv.bin("meltano"), ["--cwd", project, ...args], {
      timeoutMs: 900_000,
      env: {
        ...process.env,
        MELTANO_SEND_ANONYMOUS_USAGE_STATS: "false",
        // plugin venvs cached with the other venvs; the state DB is this test's own
        MELTANO_SYS_DIR_ROOT: join(repo, ".cache/meltano/sys"),
        MELTANO_DATABASE_URI: `sqlite:///${join(work, "meltano.db")}`,
        TAP_IGNITE_PROCUREMENT_API_TOKEN: sim.token,
        TAP_IGNITE_PROCUREMENT_BASE_URL: sim.url,
        TAP_IGNITE_PROCUREMENT_LOOKBACK_WINDOW: "PT0S",
        TAP_IGNITE_PROCUREMENT_FULL_SNAPSHOT_INTERVAL_DAYS: "0",
        TAP_IGNITE_PROCUREMENT_PAGE_SIZE: "500",
        TARGET_JSONL_DESTINATION_PATH: out,
      },
    });

  /** Records per stream in target-jsonl's output folder (one `<stream>.jsonl` per stream). */
  const readOutput = (out: string): Record<string, Record<string, unknown>[]> => {
    const rows: Record<string, Record<string, unknown>[]> = {};
    for (const f of existsSync(out) ? readdirSync(out) : []) {
      if (!f.endsWith(".jsonl")) continue;
      rows[f.replace(/(-\d{8}T\d+)?\.jsonl$/, "")] = readFileSync(join(out, f), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    }
    return rows;
  };

  beforeAll(async () => {
    venv = await ensureVenv(repo, "meltano", [MELTANO], python.python);
    if (venv.installMs) console.info(`[meltano.test] installed ${MELTANO} in ${(venv.installMs / 1000).toFixed(0)} s`);
    sim = await spawnSimulator(repo, ["--seed", "11", "--spend-rows", "2000"]);
    tables = await simTables(sim.url, sim.token);
    work = mkdtempSync(join(tmpdir(), "sip-meltano-"));
    const install = await meltano(["install"], join(work, "unused"));
    expect(install.code, `meltano install failed:\n${install.stderr.slice(-4000)}`).toBe(0);
  }, 1_200_000);

  afterAll(async () => {
    await sim?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("first run lands every row; the second, with Meltano's stored state, only the changed ones", async () => {
    const out1 = join(work, "out1");
    const r1 = await meltano(["run", "tap-ignite-procurement", "target-jsonl"], out1);
    expect(r1.code, `meltano run failed:\n${r1.stderr.slice(-6000)}`).toBe(0);
    expect(r1.stdout + r1.stderr).not.toContain(sim.token);
    const rows1 = readOutput(out1);
    const truth: Record<string, number> = {};
    for (const n of SELECTED) truth[n] = await simCount(sim.url, sim.token, tables.find((t) => t.id === n)!);
    expect(Object.fromEntries(SELECTED.map((n) => [n, rows1[n]?.length ?? 0]))).toEqual(truth);

    const maxUpdated = (rows: Record<string, unknown>[]): string =>
      rows.map((r) => String(r["updated_at"])).reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
    await sim.advance(1);
    const changed: Record<string, number> = {};
    const atOrAfter: Record<string, number> = {};
    for (const n of SELECTED) {
      const table = tables.find((t) => t.id === n)!;
      const cursor = maxUpdated(rows1[n]!);
      changed[n] = await simCount(sim.url, sim.token, table, { updated_at: { gte: afterMs(cursor) } });
      atOrAfter[n] = await simCount(sim.url, sim.token, table, { updated_at: { gte: cursor } });
    }
    expect(Object.values(changed).reduce((a, b) => a + b, 0), "the simulator's clock step changed nothing").toBeGreaterThan(0);

    const out2 = join(work, "out2");
    const r2 = await meltano(["run", "tap-ignite-procurement", "target-jsonl"], out2);
    expect(r2.code, `second meltano run failed:\n${r2.stderr.slice(-6000)}`).toBe(0);
    const rows2 = readOutput(out2);
    for (const n of SELECTED) {
      const got = rows2[n]?.length ?? 0;
      expect(got, `${n}: rows changed since run 1`).toBeGreaterThanOrEqual(changed[n]!);
      expect(got, `${n}: rows at or after the stored bookmark`).toBeLessThanOrEqual(atOrAfter[n]!);
      expect(got, `${n}: a full re-read`).toBeLessThan(truth[n]!);
    }
  }, 900_000);
});
