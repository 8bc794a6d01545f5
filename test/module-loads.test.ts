/**
 * What the built CLI loads per command: `spec` needs neither config validation (ajv) nor HTTP (undici),
 * and `check`/`discover` need no reader (Arrow, Parquet, the record serializer). Those modules are
 * imported when a command or a stream read first needs them; this keeps `spec` starting fast (README,
 * "Benchmarks"). Not a timing test: it lists the modules a real run loaded, through a Node module hook
 * (`--import` of a `register()`ed load hook) that appends every loaded URL to a file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configuredCatalog, runCli, type CliResult } from "./helpers/cli.js";
import { ofType } from "./helpers/protocol.js";
import { spawnSimulator, type SimProcess } from "./helpers/simulator-truth.js";

const repo = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "ignite-module-loads-"));
const hooks = join(dir, "hooks.mjs");
const register = join(dir, "register.mjs");
writeFileSync(hooks, `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) {\n  appendFileSync(process.env.MODULE_TRACE_FILE, url + "\\n");\n  return next(url, context);\n}\n`);
writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

/** Runs the CLI and returns what it printed plus the package names and repo files it loaded. */
async function traced(args: Parameters<typeof runCli>[0]): Promise<CliResult & { packages: Set<string>; files: string[] }> {
  const trace = join(dir, `trace-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(trace, "");
  const result = await runCli({ ...args, env: { NODE_OPTIONS: `--import="${pathToFileURL(register).href}"`, MODULE_TRACE_FILE: trace } });
  const urls = readFileSync(trace, "utf8").split("\n").filter(Boolean);
  const packages = new Set(urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => p !== undefined));
  const root = pathToFileURL(repo).href + "/";
  const files = urls.filter((u) => u.startsWith(root) && !u.includes("/node_modules/")).map((u) => u.slice(root.length));
  return { ...result, packages, files };
}

const READERS = ["apache-arrow", "parquet-wasm", "arrow-js-ffi"];
const READER_FILES = ["dist/streams/table-read.js", "dist/streams/legacy/legacy-read.js", "dist/streams/encode/record-serializer.js", "dist/streams/export/export-path.js"];

describe("modules each command loads (built CLI)", () => {
  let sim: SimProcess;
  let config: Record<string, unknown>;
  beforeAll(async () => {
    sim = await spawnSimulator(repo, ["--spend-rows", "50", "--suppliers-rows", "20", "--contracts-rows", "20", "--export-delay-ms", "0"]);
    // legacy tables on, so both kinds of streams are built by discover
    config = { api_token: sim.token, base_url: sim.url, legacy_data_tables: { mode: "all" } };
  });
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("spec loads yargs and the spec, not ajv, undici or any reader", async () => {
    const run = await traced({ args: ["spec"] });
    expect(run.exitCode).toBe(0);
    expect(ofType(run.messages, "SPEC")).toHaveLength(1);
    // the hook saw this run's modules (so what is absent below was really not loaded)
    expect(run.packages).toContain("yargs");
    expect(run.files).toContain("dist/spec/index.js");
    for (const pkg of ["ajv", "undici", ...READERS]) expect(run.packages, pkg).not.toContain(pkg);
    expect(run.files.filter((f) => f.startsWith("dist/streams/") && !f.startsWith("dist/streams/contract/"))).toEqual([]);
  });

  it("check and discover load undici and ajv, not Arrow, Parquet or the readers", async () => {
    const check = await traced({ args: ["check"], config });
    expect(ofType(check.messages, "CONNECTION_STATUS")[0]?.connectionStatus.status).toBe("SUCCEEDED");
    const discover = await traced({ args: ["discover"], config });
    const streams = ofType(discover.messages, "CATALOG")[0]?.catalog.streams ?? [];
    expect(streams.map((s) => s.name)).toEqual(expect.arrayContaining(["spend", expect.stringMatching(/^legacy_/)]));
    for (const run of [check, discover]) {
      expect(run.packages).toContain("undici");
      expect(run.packages).toContain("ajv");
      for (const pkg of READERS) expect(run.packages, pkg).not.toContain(pkg);
      for (const file of READER_FILES) expect(run.files, file).not.toContain(file);
    }
  });

  it("a read loads the readers when it reads (so their absence above is meaningful)", async () => {
    const discover = await runCli({ args: ["discover"], config });
    const streams = ofType(discover.messages, "CATALOG")[0]!.catalog.streams.filter((s) => s.name === "spend" || s.name.startsWith("legacy_")).slice(0, 2);
    const run = await traced({ args: ["read"], config: { ...config, read_mode: "export" }, catalog: configuredCatalog(streams) });
    expect(run.exitCode).toBe(0);
    expect(run.records).toBeGreaterThan(50);
    for (const pkg of READERS.slice(0, 2)) expect(run.packages, pkg).toContain(pkg);
    for (const file of READER_FILES) expect(run.files, file).toContain(file);
  });

  it("a rows read loads neither Arrow nor Parquet code: only an export needs them (≈ 80 ms of loading for apache-arrow, ≈ 55 ms of CPU for parquet-wasm)", async () => {
    const discover = await runCli({ args: ["discover"], config });
    const spend = ofType(discover.messages, "CATALOG")[0]!.catalog.streams.filter((s) => s.name === "spend");
    const run = await traced({ args: ["read"], config: { ...config, read_mode: "rows" }, catalog: configuredCatalog(spend) });
    expect(run.exitCode).toBe(0);
    expect(run.records).toBe(50);
    expect(run.files).toContain("dist/streams/rows/rows-path.js");
    expect(run.files).toContain("dist/streams/encode/record-serializer.js");
    for (const pkg of READERS) expect(run.packages, pkg).not.toContain(pkg);
    expect(run.files).not.toContain("dist/streams/export/export-path.js");
    expect(run.files).not.toContain("dist/streams/encode/arrow-serializer.js");
  });
});
