/**
 * `npm run bench`: the connector's read paths against the simulator, side by side with DuckDB and a raw
 * page download, all in one run so the ratios compare like with like on this (shared, noisy) machine.
 *
 *   npm run bench -- [--sizes 1000000,5000000] [--only export,rows] [--quick] [--write-readme] [--profile]
 *   npm run bench -- --peers [--rows 1000000] [--write-readme]   (bench/peers-bench.ts)
 *
 * Every measured program is a child process (the built CLI, the DuckDB reader, the raw downloader)
 * whose stdout is counted by bench/child-run.ts; the simulator runs in a process of its own.
 */
import { loadavg, tmpdir } from "node:os";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeConfiguredCatalog } from "./catalog.js";
import { errorTrace, exitProblem, runChild, type ChildRun } from "./child-run.js";
import { benchEnvironment } from "./environment.js";
import { runPeersBench } from "./peers-bench.js";
import { runRawDownload } from "./raw-run.js";
import { CLI, DIST, REPO } from "./repo-paths.js";
import { clockS, clockTable, measurementTable, missedTargets, ratioTable, replaceReadmeBlock, type Measurement, type Scenario } from "./report.js";
import { startSimProcess, type SimProcess } from "./sim-process.js";
import { measureSpecStart, SPEC_START_TARGET_MS, specStartLine, type SpecStart } from "./spec-start.js";

const README = join(REPO, "README.md");
const ENTITY = "spend";

type Group = "export" | "rows";
interface ScenarioDef {
  readonly id: Scenario;
  readonly group: Group;
  readonly label: string;
  /** Connector config beyond token and base URL; undefined for the non-connector baselines. */
  readonly config?: Record<string, unknown>;
  readonly variant?: Record<string, unknown>;
}

/** In run order: each baseline right after the run it is compared with, so load drifts hit both alike. */
const SCENARIOS: readonly ScenarioDef[] = [
  { id: "export-zstd", group: "export", label: "export, Parquet zstd", config: { read_mode: "export", export_format: "parquet" }, variant: { parquetCompression: "zstd" } },
  { id: "duckdb", group: "export", label: "DuckDB 1 thread, same Parquet files → NDJSON" },
  { id: "rows-100000", group: "rows", label: "rows, page_size 100000", config: { read_mode: "rows", page_size: 100_000 } },
  { id: "raw-100000", group: "rows", label: "raw page download, pageSize 100000" },
  { id: "export-snappy", group: "export", label: "export, Parquet snappy", config: { read_mode: "export", export_format: "parquet" }, variant: { parquetCompression: "snappy" } },
  { id: "export-json", group: "export", label: "export, JSON (NDJSON)", config: { read_mode: "export", export_format: "json" }, variant: { jsonLayout: "ndjson", gzip: "none" } },
  { id: "rows-default", group: "rows", label: "rows, page_size default (10000)", config: { read_mode: "rows" } },
  { id: "raw-default", group: "rows", label: "raw page download, pageSize 10000" },
];
const DEFAULT_PAGE_SIZE = 10_000;

interface Args {
  sizes: number[];
  only: Set<Group>;
  writeReadme: boolean;
  /** Results file, rewritten after every measurement (so a long run that dies keeps what it measured). */
  resultsFile: string | undefined;
  /** Render a saved results file instead of measuring. */
  fromResults: string | undefined;
  profileDir: string | undefined;
  /** Compare with what users would build instead (bench/peers-bench.ts), on `rows` spend rows. */
  peers: boolean;
  rows: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { sizes: [1_000_000, 5_000_000], only: new Set(["export", "rows"]), writeReadme: false, resultsFile: undefined, fromResults: undefined, profileDir: undefined, peers: false, rows: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] ?? "").split("=", 2) as [string, string | undefined];
    const value = (): string => inline ?? argv[++i] ?? "";
    if (flag === "--sizes") args.sizes = value().split(",").map((s) => Number(s.replaceAll("_", "")));
    else if (flag === "--only") args.only = new Set(value().split(",") as Group[]);
    else if (flag === "--quick") args.sizes = [200_000];
    else if (flag === "--write-readme") args.writeReadme = true;
    else if (flag === "--results") args.resultsFile = value();
    else if (flag === "--from-results") args.fromResults = value();
    else if (flag === "--profile") args.profileDir = mkdtempSync(join(tmpdir(), "ignite-bench-prof-"));
    else if (flag === "--peers") args.peers = true;
    else if (flag === "--rows") args.rows = Number(value().replaceAll("_", ""));
    else throw new Error(`unknown flag ${flag}; use --sizes N,M --only export,rows --quick --write-readme --results f.json --from-results f.json --profile, or --peers --rows N --write-readme`);
  }
  if (args.sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error("--sizes takes positive integers");
  if (!Number.isInteger(args.rows) || args.rows <= 0) throw new Error("--rows takes a positive integer");
  if ([...args.only].some((g) => g !== "export" && g !== "rows")) throw new Error("--only takes export and/or rows");
  return args;
}

/** Per size: one simulator, a temp dir for configs and downloaded files, and the measurements. */
class SizeRun {
  private exportId: string | undefined;
  private catalogFile: string | undefined;
  constructor(
    private readonly size: number,
    private readonly sim: SimProcess,
    private readonly dir: string,
    private readonly args: Args,
  ) {}

  async measure(def: ScenarioDef): Promise<Measurement> {
    if (def.variant) await this.sim.setVariant(def.variant);
    if (def.config) return this.connector(def);
    if (def.id === "duckdb") return this.duckdb(def);
    return this.raw(def);
  }

  private async connector(def: ScenarioDef): Promise<Measurement> {
    const config = join(this.dir, "config.json");
    writeFileSync(config, JSON.stringify({ api_token: this.sim.token, base_url: this.sim.url, ...def.config }));
    // every connector scenario of a size reads the same stream: one discover per size
    const catalog = (this.catalogFile ??= await writeConfiguredCatalog(config, [ENTITY], join(this.dir, "catalog.json")));
    const node = this.args.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${join(this.args.profileDir, `${this.size}-${def.id}`)}`] : [];
    const isExport = def.group === "export";
    const run = await runChild(process.execPath, [...node, CLI, "read", "--config", config, "--catalog", catalog], isExport ? { readyWhen: '"row_estimate"' } : {});
    const created = run.otherLines.map((l) => /export ([0-9a-f-]{36}) created/.exec(l)?.[1]).find((id) => id !== undefined);
    if (def.id === "export-zstd") this.exportId = created;
    const problem = exitProblem(run) ?? (run.records !== this.size ? `${run.records} records, expected ${this.size}` : undefined) ?? errorTrace(run);
    return this.result(def, run, run.records, isExport ? (run.readyS ?? 0) : 0, run.bytes, problem);
  }

  private async duckdb(def: ScenarioDef): Promise<Measurement> {
    if (!this.exportId) return this.result(def, undefined, 0, 0, 0, "no export id from the zstd run");
    const files = await this.sim.downloadExport(this.exportId, this.dir);
    try {
      const run = await runChild(process.execPath, [join(DIST, "bench/duckdb-ndjson.js"), ...files]);
      // DuckDB's lines are bare rows, not RECORD messages: every line is one record
      const problem = exitProblem(run) ?? (run.lines !== this.size ? `${run.lines} lines, expected ${this.size}` : undefined);
      return this.result(def, run, run.lines, 0, run.bytes, problem);
    } finally {
      for (const f of files) rmSync(f, { force: true });
    }
  }

  private async raw(def: ScenarioDef): Promise<Measurement> {
    const { run, bytes, problem } = await runRawDownload(this.sim, ENTITY, def.id === "raw-100000" ? 100_000 : DEFAULT_PAGE_SIZE, this.size);
    // the raw child does not parse rows; the page count checks it fetched them all
    return this.result(def, run, this.size, 0, bytes, problem);
  }

  private result(def: ScenarioDef, run: ChildRun | undefined, records: number, waitS: number, bytes: number, problem: string | undefined): Measurement {
    return {
      size: this.size,
      scenario: def.id,
      label: def.label,
      records,
      wallS: run?.wallS ?? 0,
      waitS,
      // only a connector's lines are RECORDs; a baseline's clock is its whole process (report.ts)
      ...(def.config !== undefined && run?.firstRecordS !== undefined && { firstRecordS: run.firstRecordS }),
      ...(def.config !== undefined && run?.lastRecordS !== undefined && { lastRecordS: run.lastRecordS }),
      ...(def.id === "duckdb" && run?.firstLineS !== undefined && { firstLineS: run.firstLineS }),
      ...(def.id === "duckdb" && run?.lastLineS !== undefined && { lastLineS: run.lastLineS }),
      bytes,
      peakRssMb: run?.peakRssMb,
      cpuS: run?.cpuS,
      load: loadavg()[0] ?? 0,
      ...(problem !== undefined && { problem }),
    };
  }
}

const NOTES_START = "<!-- bench:notes:start -->";
const NOTES_END = "<!-- bench:notes:end -->";

function readmeBody(args: Args, env: string, ms: readonly Measurement[], spec: SpecStart | undefined): string {
  // the hand-written analysis between the notes markers survives a rewrite of the measured block
  let notes = `${NOTES_START}\n${NOTES_END}`;
  try {
    const text = readFileSync(README, "utf8");
    const a = text.indexOf(NOTES_START), b = text.indexOf(NOTES_END, a);
    if (a !== -1 && b !== -1) notes = text.slice(a, b + NOTES_END.length);
  } catch {
    // no README: nothing to keep
  }
  return [
    `\`npm run bench -- --sizes ${args.sizes.join(",")}\` (${env}). Spend table, 18 columns, one stream, full refresh; each program is a child process whose stdout is piped into a counter (bytes, lines, RECORD lines; a run whose record count differs from the table size is flagged ⚠); peak RSS and CPU s are the program's whole process (\`/usr/bin/time\`, worker threads included). **The headline clock** is a connector run's time from its first RECORD line on stdout to its exit, and a baseline's whole process (DuckDB's start-up included); records/s and MB/s are on that clock. *File list → exit* is the clock used before: from the end of the *server wait* (the simulator building the export, until the connector sees the file list). DuckDB reads the very files the zstd export produced, downloaded from the simulator. The simulator runs in its own process on the same 2 cores. The raw download POSTs the same rows pages (same fields, pageSize, keyBy) with undici and discards the bodies.`,
    "",
    measurementTable(ms),
    "",
    "Where the time of the export runs goes (seconds from spawn; DuckDB's start-up runs until its first line):",
    "",
    clockTable(ms),
    "",
    ratioTable(ms),
    "",
    ...(spec === undefined ? [] : [specStartLine(spec), ""]),
    notes,
  ].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.peers) return runPeersBench({ rows: args.rows, writeReadme: args.writeReadme });
  if (args.fromResults) {
    const saved = JSON.parse(readFileSync(args.fromResults, "utf8")) as Saved;
    args.sizes = saved.sizes;
    return finish(args, saved.env, saved.results, saved.specStart);
  }
  const env = benchEnvironment();
  console.error(`bench: ${env}; sizes ${args.sizes.join(", ")}; ${[...args.only].join(" + ")}`);
  console.error("bench: spec cold start …");
  const specStart = await measureSpecStart(CLI);
  console.error(`bench:   ${specStartLine(specStart)}`);
  const results: Measurement[] = [];
  const save = (): void => {
    if (args.resultsFile) writeFileSync(args.resultsFile, JSON.stringify({ env, sizes: args.sizes, specStart, results } satisfies Saved, null, 1));
  };
  save();
  for (const size of args.sizes) {
    const sim = await startSimProcess(size);
    const dir = mkdtempSync(join(tmpdir(), "ignite-bench-"));
    try {
      const run = new SizeRun(size, sim, dir, args);
      for (const def of SCENARIOS.filter((s) => args.only.has(s.group))) {
        console.error(`bench: ${size} rows, ${def.label} …`);
        const m = await run.measure(def);
        results.push(m);
        save();
        console.error(`bench:   ${m.records} records, ${m.wallS.toFixed(1)} s wall, ${m.waitS.toFixed(1)} s server wait, ${clockS(m).toFixed(2)} s first record → exit, CPU ${m.cpuS?.toFixed(1) ?? "?"} s, load ${m.load.toFixed(1)}, peak RSS ${m.peakRssMb?.toFixed(0) ?? "?"} MB${m.problem ? `, PROBLEM: ${m.problem}` : ""}`);
      }
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
    if (args.writeReadme) writeReadme(args, env, results, specStart);
  }
  finish(args, env, results, specStart);
}

/** A results file (--results, --from-results). */
interface Saved {
  env: string;
  sizes: number[];
  /** Absent in files written before the spec start was measured. */
  specStart?: SpecStart;
  results: Measurement[];
}

function writeReadme(args: Args, env: string, results: readonly Measurement[], spec: SpecStart | undefined): void {
  if (!replaceReadmeBlock(README, readmeBody(args, env, results, spec))) console.error("bench: README.md has no bench markers; not written");
}

function finish(args: Args, env: string, results: readonly Measurement[], spec: SpecStart | undefined): void {
  if (args.fromResults && args.writeReadme) writeReadme(args, env, results, spec);
  console.log(`${measurementTable(results)}\n\n${clockTable(results)}\n\n${ratioTable(results)}${spec === undefined ? "" : `\n\n${specStartLine(spec)}`}`);
  const missed = missedTargets(results);
  if (spec !== undefined && spec.medianMs > SPEC_START_TARGET_MS) missed.push(`spec cold start median ${Math.round(spec.medianMs)} ms (target ≤ ${SPEC_START_TARGET_MS} ms)`);
  if (missed.length > 0) console.log(`\nTargets missed:\n${missed.map((m) => `- ${m}`).join("\n")}`);
  if (args.profileDir) console.log(`\nCPU profiles (open in Chrome DevTools): ${args.profileDir}`);
  if (results.some((m) => m.problem)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
