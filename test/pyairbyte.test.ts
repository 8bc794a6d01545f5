/**
 * PyAirbyte, a real Airbyte client, runs the built connector as a local executable: check(),
 * select_all_streams(), read() into its default DuckDB cache, then a second read with the state
 * PyAirbyte kept. PyAirbyte parses every message with the official protocol models, so a message
 * our own checks accept but Airbyte would not fails here.
 *
 * Needs the build (dist/) and Python ≥ 3.10; the venv is cached under .cache/venvs/.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { exec } from "../bench/exec.js";
import { ensureVenv, findPython, type Venv } from "../bench/python-venv.js";
import { describeRequiring } from "./helpers/requires.js";
import { simCount, simTables, spawnSimulator, type SimProcess, type SimTable } from "./helpers/simulator-truth.js";

/** The instant 1 ms after an RFC 3339 timestamp: `gte` of it means `gt` (TIMESTAMP filters offer no `gt`). */
const afterMs = (ts: string): string => new Date(Date.parse(ts) + 1).toISOString();

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
/** 0.71.3 installs on Python 3.11 here in ~2.5 min (cold) and is reused afterwards. */
const PYAIRBYTE = "airbyte==0.71.3";

const python = await findPython();

/** One PyAirbyte session; prints a JSON summary as its last stdout line. */
const DRIVER = String.raw`
import json, sys
from datetime import timezone
import airbyte as ab

args = json.loads(sys.argv[1])
source = ab.get_source(
    "source-ignite-procurement",
    config=args["config"],
    local_executable=args["executable"],
    install_if_missing=False,
)
if args["check"]:
    source.check()  # raises on FAILED
source.select_all_streams()
cache = ab.get_default_cache()  # DuckDB under ./.cache (the cwd is the test's temp dir)
result = source.read(cache=cache)

def iso(v):
    if v is None or isinstance(v, str):
        return v
    # a naive value from the cache is UTC; astimezone() would read it as local time (the suite runs under
    # America/New_York), shifting the cursor by hours
    v = v.replace(tzinfo=timezone.utc) if v.tzinfo is None else v.astimezone(timezone.utc)
    return v.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (v.microsecond // 1000)

streams = {}
for s in source.discovered_catalog.streams:
    cursor = (s.default_cursor_field or [None])[0]
    max_cursor = None
    if cursor and s.name in result.streams:
        from sqlalchemy import func, select
        table = result.streams[s.name].to_sql_table()
        with cache.get_sql_engine().connect() as conn:
            max_cursor = conn.execute(select(func.max(table.c[cursor]))).scalar()
    streams[s.name] = {
        "modes": [m.value for m in s.supported_sync_modes],
        "cursor": cursor,
        "read": result._progress_tracker.stream_read_counts.get(s.name, 0),
        "cached": len(result.streams[s.name]) if s.name in result.streams else None,
        "max_cursor": iso(max_cursor),
    }
print(json.dumps({"processed": result.processed_records, "streams": streams}))
`;

/** The connector's ERROR lines from the log file PyAirbyte names in its exception. */
function connectorErrors(stderr: string): string {
  const file = /Log file: (\S+)/.exec(stderr)?.[1];
  if (!file || !existsSync(file)) return "(no connector log)";
  return readFileSync(file, "utf8").split("\n").filter((l) => / - ERROR - /.test(l)).slice(0, 10).join("\n");
}

interface StreamSummary {
  modes: string[];
  cursor: string | null;
  /** records received in this read */
  read: number;
  /** rows in the cache after this read */
  cached: number | null;
  max_cursor: string | null;
}

describeRequiring("PyAirbyte runs the connector (local_executable)", "reason" in python ? python.reason : undefined, () => {
  let venv: Venv;
  let sim: SimProcess;
  let work: string;
  let tables: SimTable[];
  const config = (): Record<string, unknown> => ({
    api_token: sim.token,
    base_url: sim.url,
    page_size: 500,
    // exact "only new rows" arithmetic: no lookback overlap, no periodic snapshot
    lookback_window: "PT0S",
    full_snapshot_interval_days: 0,
  });

  const runDriver = async (check: boolean): Promise<{ processed: number; streams: Record<string, StreamSummary> }> => {
    const payload = JSON.stringify({ config: config(), executable: join(work, "source-ignite-procurement"), check });
    const r = await exec(venv.python, [join(work, "driver.py"), payload], {
      timeoutMs: 600_000,
      // the default cache lives under the cwd: this test's own temp dir, so no earlier run's state leaks in
      cwd: work,
      // loopback only: no registry lookups, no telemetry
      env: { ...process.env, AIRBYTE_OFFLINE_MODE: "1", DO_NOT_TRACK: "1", AIRBYTE_LOGGING_ROOT: join(work, "logs"), HOME: work },
    });
    expect(r.code, `PyAirbyte failed (exit ${r.code}):\n${r.stderr.slice(-4000)}\nconnector errors:\n${connectorErrors(r.stderr)}`).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(sim.token);
    const last = r.stdout.trim().split("\n").at(-1)!;
    return JSON.parse(last) as { processed: number; streams: Record<string, StreamSummary> };
  };

  beforeAll(async () => {
    expect(existsSync(join(repo, "dist/source/main.js")), "run `npm run build` first").toBe(true);
    venv = await ensureVenv(repo, "pyairbyte", [PYAIRBYTE], python.python);
    if (venv.installMs) console.info(`[pyairbyte.test] installed ${PYAIRBYTE} in ${(venv.installMs / 1000).toFixed(0)} s`);
    sim = await spawnSimulator(repo, ["--seed", "7", "--spend-rows", "2000"]);
    tables = await simTables(sim.url, sim.token);
    work = mkdtempSync(join(tmpdir(), "sip-pyairbyte-"));
    // the small wrapper PyAirbyte executes: the repo's build, nothing installed
    const wrapper = join(work, "source-ignite-procurement");
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${join(repo, "dist/source/main.js")}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    writeFileSync(join(work, "driver.py"), DRIVER);
  }, 1_500_000);

  afterAll(async () => {
    await sim?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("check, read everything into DuckDB, then an incremental read with PyAirbyte's state gets only new rows", async () => {
    const first = await runDriver(true);
    const names = Object.keys(first.streams).sort();
    expect(names.length).toBeGreaterThanOrEqual(5);
    const truth1: Record<string, number> = {};
    for (const n of names) truth1[n] = await simCount(sim.url, sim.token, tables.find((t) => t.id === n)!);
    const got1 = Object.fromEntries(names.map((n) => [n, first.streams[n]!.read]));
    expect(got1).toEqual(truth1);
    expect(Object.fromEntries(names.map((n) => [n, first.streams[n]!.cached]))).toEqual(truth1);

    // rows the simulator changes (inserts and updated_at bumps) in one clock step
    await sim.advance(1);
    const changed: Record<string, number> = {};
    const atOrAfter: Record<string, number> = {};
    for (const n of names) {
      const s = first.streams[n]!;
      const table = tables.find((t) => t.id === n)!;
      if (!s.modes.includes("incremental") || !s.cursor || !s.max_cursor) continue;
      changed[n] = await simCount(sim.url, sim.token, table, { [s.cursor]: { gte: afterMs(s.max_cursor) } });
      atOrAfter[n] = await simCount(sim.url, sim.token, table, { [s.cursor]: { gte: s.max_cursor } });
    }
    expect(Object.keys(changed).length, "no incremental stream with a cursor was discovered").toBeGreaterThan(0);
    expect(Object.values(changed).reduce((a, b) => a + b, 0), "the simulator's clock step changed nothing").toBeGreaterThan(0);

    const second = await runDriver(false);
    for (const n of names) {
      const got = second.streams[n]!.read;
      if (n in changed) {
        // every change since read 1 arrives; nothing older than the kept cursor is re-read
        expect(got, `${n}: rows changed since read 1`).toBeGreaterThanOrEqual(changed[n]!);
        expect(got, `${n}: rows at or after the kept cursor`).toBeLessThanOrEqual(atOrAfter[n]!);
        expect(got, `${n}: a full re-read`).toBeLessThan(first.streams[n]!.read);
      } else {
        // a full-refresh-only stream is read whole again (PyAirbyte asks for incremental anyway)
        expect(got, n).toBe(await simCount(sim.url, sim.token, tables.find((t) => t.id === n)!));
      }
    }
  }, 900_000);
});
