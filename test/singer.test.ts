/**
 * Singer mode: the BUILT `tap-ignite-procurement` bin as a child process against the simulator over
 * loopback HTTP. Discover format, about/version, selection and column deselection, full table and
 * incremental syncs with bookmarks across clock steps, kill + resume from the last STATE, bookmarks that
 * the Airbyte bin resumes from identically, and clear failures on stderr with a non-zero exit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startSimulator, type Simulator } from "../simulator/index.js";
import { runChild, wholeLines, withInputFiles } from "./helpers/child.js";
import { runCli } from "./helpers/cli.js";
import { baseConfig, catalogFor, recordsOf } from "./helpers/read-scenario.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
const TAP = join(repo, pkg.bin["tap-ignite-procurement"]!);

type Json = Record<string, unknown>;
type Row = Record<string, unknown>;
interface Message {
  type: string;
  stream?: string;
  record?: Row;
  time_extracted?: string;
  schema?: { properties: Record<string, unknown> };
  key_properties?: string[];
  bookmark_properties?: string[];
  value?: { bookmarks: Record<string, Json> };
}
interface TapRun {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  messages: Message[];
}

/** Modes whose stdout is a document or text, not a stream of Singer messages. */
const HUMAN = ["--discover", "--about", "--version", "--help", "--test"];

/** Runs the tap; objects become files, strings are written verbatim; `stop` signals it after N RECORD lines. */
async function tap(
  args: string[],
  files: { config?: unknown; configs?: unknown[]; catalog?: unknown; state?: unknown } = {},
  stop?: { after: number; signal: NodeJS.Signals },
  env: Record<string, string> = {},
): Promise<TapRun> {
  const { configs, ...single } = files;
  const entries: [string, unknown][] = [...(configs ?? []).map((c): [string, unknown] => ["config", c]), ...Object.entries(single)];
  const run = await withInputFiles("singer-test-", (file) => {
    const argv = [TAP, ...args];
    entries.forEach(([name, value], i) => {
      if (value !== undefined) argv.push(`--${name}`, file(`${name}-${i}.json`, value));
    });
    return runChild({ argv, env, stops: stop === undefined ? [] : [{ afterRecords: stop.after, signal: stop.signal }] });
  });
  try {
    const messages = HUMAN.some((f) => args.includes(f)) ? [] : wholeLines(run.stdout).split("\n").filter(Boolean).map((l) => JSON.parse(l) as Message);
    return { stdout: run.stdout, stderr: run.stderr, code: run.exitCode, signal: run.signal, messages };
  } catch (e) {
    throw e instanceof Error ? new Error(`${e.message} in tap stdout:\n${run.stdout.slice(0, 2000)}`) : e;
  }
}

const records = (run: TapRun, stream: string): Row[] => run.messages.filter((m) => m.type === "RECORD" && m.stream === stream).map((m) => m.record!);
const lastState = (run: TapRun): { bookmarks: Record<string, Json> } => run.messages.filter((m) => m.type === "STATE").at(-1)!.value!;
const key = (r: Row): string => `${String(r["id"])}@${Date.parse(String(r["updated_at"]))}`;

/** The discovered Singer catalog with `select` (stream → deselected columns, or true for all) applied as metadata. */
function select(catalog: { streams: Json[] }, choice: Record<string, true | { drop?: string[]; method?: string }>): { streams: Json[] } {
  const copy = structuredClone(catalog);
  for (const s of copy.streams) {
    const want = choice[s["tap_stream_id"] as string];
    const metadata = s["metadata"] as { breadcrumb: string[]; metadata: Json }[];
    metadata[0]!.metadata["selected"] = want !== undefined;
    if (want !== undefined && want !== true && want.method !== undefined) metadata[0]!.metadata["replication-method"] = want.method;
    for (const m of metadata.slice(1)) {
      m.metadata["selected"] = !(want !== undefined && want !== true && want.drop?.includes(m.breadcrumb[1]!));
    }
  }
  return copy;
}

describe("tap-ignite-procurement (Singer mode)", () => {
  let sim: Simulator;
  let config: Json;
  let discovered: { streams: Json[] };
  beforeAll(async () => {
    sim = await startSimulator({ rows: { spend: 3000, suppliers: 400, contracts: 300, classification_business_units: 500, classification_spend_categories: 500 } });
    config = baseConfig(sim, { read_mode: "rows", page_size: 200, lookback_window: "PT0S", full_snapshot_interval_days: 0 });
    const run = await tap(["--discover"], { config });
    expect(run.code, run.stderr).toBe(0);
    discovered = JSON.parse(run.stdout) as { streams: Json[] };
  });
  afterAll(async () => sim.close());

  it("--discover prints a Singer catalog: stream fields, root metadata, forced FULL_TABLE, automatic keys and cursor; logs only on stderr", () => {
    const byId = new Map(discovered.streams.map((s) => [s["tap_stream_id"] as string, s]));
    expect([...byId.keys()].sort()).toEqual(sim.tables().map((t) => t.id).sort());
    const spend = byId.get("spend")!;
    expect(spend).toMatchObject({ stream: "spend", key_properties: ["id"], replication_key: "updated_at", replication_method: "INCREMENTAL" });
    expect((spend["schema"] as { properties: Json }).properties).toHaveProperty("amount");
    const md = spend["metadata"] as { breadcrumb: string[]; metadata: Json }[];
    expect(md[0]).toMatchObject({ breadcrumb: [], metadata: { inclusion: "available", "table-key-properties": ["id"], "valid-replication-keys": ["updated_at"] } });
    expect(md[0]!.metadata).not.toHaveProperty("forced-replication-method");
    const inclusion = Object.fromEntries(md.slice(1).map((m) => [m.breadcrumb[1], m.metadata["inclusion"]]));
    expect(Object.keys(inclusion).sort()).toEqual(Object.keys((spend["schema"] as { properties: Json }).properties).sort());
    expect(inclusion).toMatchObject({ id: "automatic", updated_at: "automatic", amount: "available" });
    const full = byId.get("classification_business_units")!;
    expect(full).toMatchObject({ replication_method: "FULL_TABLE", key_properties: ["spend_id"] });
    expect(full).not.toHaveProperty("replication_key");
    expect((full["metadata"] as { metadata: Json }[])[0]!.metadata).toMatchObject({ "forced-replication-method": "FULL_TABLE" });
  });

  it("--about (json, markdown), --version and --help", async () => {
    const spec = JSON.parse(readFileSync(join(repo, "spec/spec.json"), "utf8")) as { connectionSpecification: Json };
    const json = await tap(["--about", "--format", "json"]);
    expect(json.code).toBe(0);
    const about = JSON.parse(json.stdout) as Json;
    expect(about).toMatchObject({ name: "tap-ignite-procurement", version: pkg.version, capabilities: ["catalog", "discover", "state", "about"] });
    expect(about["settings"]).toEqual(spec.connectionSpecification);
    const md = await tap(["--about", "--format", "markdown"]);
    expect(md.stdout).toMatch(/^# `tap-ignite-procurement`/);
    expect(md.stdout).toMatch(/\| api_token \| True \|/);
    expect((await tap(["--version"])).stdout).toContain(pkg.version);
    expect((await tap(["--help"])).stdout).toContain("--discover");
  });

  it("--config merges repeated files (later wins) and reads TAP_IGNITE_PROCUREMENT_* with --config ENV", async () => {
    const catalog = select(discovered, { suppliers: true });
    const merged = await tap([], { configs: [{ ...config, api_token: "ign_first-file-token-0000", page_size: 7 }, { api_token: sim.token }], catalog });
    expect(merged.code, merged.stderr).toBe(0);
    expect(records(merged, "suppliers").length).toBe([...sim.rows("suppliers")].length);

    const env = {
      TAP_IGNITE_PROCUREMENT_API_TOKEN: sim.token,
      TAP_IGNITE_PROCUREMENT_BASE_URL: sim.url,
      TAP_IGNITE_PROCUREMENT_READ_MODE: "rows",
      TAP_IGNITE_PROCUREMENT_PAGE_SIZE: "50",
      TAP_IGNITE_PROCUREMENT_LEGACY_DATA_TABLES: '{"mode":"off"}',
    };
    const fromEnv = await tap(["--config", "ENV"], { catalog }, undefined, env);
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(records(fromEnv, "suppliers").length).toBe([...sim.rows("suppliers")].length);
    // page_size arrived as the number 50: pages of 50 rows, one STATE after each.
    expect(fromEnv.messages.filter((m) => m.type === "STATE").length).toBeGreaterThanOrEqual([...sim.rows("suppliers")].length / 50);
    const bad = await tap(["--config", "ENV"], { catalog }, undefined, { ...env, TAP_IGNITE_PROCUREMENT_PAGE_SIZE: "many" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("TAP_IGNITE_PROCUREMENT_PAGE_SIZE");
  }, 60_000);

  it("examples/meltano/meltano.yml declares every setting of spec.json, with Meltano kinds matching the types", () => {
    const spec = JSON.parse(readFileSync(join(repo, "spec/spec.json"), "utf8")) as { connectionSpecification: { properties: Record<string, Json> } };
    const meltano = parse(readFileSync(join(repo, "examples/meltano/meltano.yml"), "utf8")) as {
      plugins: { extractors: { name: string; capabilities: string[]; settings: { name: string; kind?: string }[] }[] };
    };
    const tapPlugin = meltano.plugins.extractors.find((e) => e.name === "tap-ignite-procurement")!;
    expect(tapPlugin.capabilities.sort()).toEqual(["about", "catalog", "discover", "state"]);
    const kinds = Object.fromEntries(tapPlugin.settings.map((s) => [s.name, s.kind ?? "string"]));
    const want = Object.fromEntries(
      Object.entries(spec.connectionSpecification.properties).map(([name, p]) => [
        name,
        p["airbyte_secret"] === true ? "password" : p["type"] === "integer" ? "integer" : p["type"] === "array" ? "array" : p["type"] === "object" ? "object" : "string",
      ]),
    );
    expect(kinds).toEqual(want);
  });

  it("reads only selected streams and columns; SCHEMA (keys, bookmark) comes before each stream's records; full table re-reads everything", async () => {
    const catalog = select(discovered, {
      suppliers: { drop: ["city", "country", "id", "updated_at"] },
      classification_business_units: true,
      contracts: { method: "FULL_TABLE" },
    });
    const run = await tap([], { config, catalog });
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(run.messages.filter((m) => m.type === "RECORD").map((m) => m.stream))).toEqual(new Set(["suppliers", "classification_business_units", "contracts"]));
    for (const stream of ["suppliers", "classification_business_units", "contracts"]) {
      const schemaAt = run.messages.findIndex((m) => m.type === "SCHEMA" && m.stream === stream);
      const firstRecord = run.messages.findIndex((m) => m.type === "RECORD" && m.stream === stream);
      expect(schemaAt, stream).toBeGreaterThanOrEqual(0);
      expect(schemaAt, stream).toBeLessThan(firstRecord);
      expect(records(run, stream).length, stream).toBe([...sim.rows(stream)].length);
    }
    const schema = (s: string) => run.messages.find((m) => m.type === "SCHEMA" && m.stream === s)!;
    // Deselected columns are gone; the key and the cursor stay (inclusion automatic) whatever the catalog says.
    expect(Object.keys(schema("suppliers").schema!.properties)).not.toContain("city");
    expect(schema("suppliers")).toMatchObject({ key_properties: ["id"], bookmark_properties: ["updated_at"] });
    for (const r of records(run, "suppliers")) {
      expect(r).not.toHaveProperty("city");
      expect(r).not.toHaveProperty("country");
      expect(r).toHaveProperty("id");
      expect(r).toHaveProperty("updated_at");
    }
    expect(records(run, "suppliers")[0]).toHaveProperty("name");
    expect(schema("contracts")).toMatchObject({ key_properties: ["id"] });
    expect(schema("contracts")).not.toHaveProperty("bookmark_properties");
    expect(schema("classification_business_units")).toMatchObject({ key_properties: ["spend_id"] });
    for (const m of run.messages.filter((x) => x.type === "RECORD").slice(0, 50)) {
      expect(m.time_extracted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
    // Logs go to stderr; stdout holds only Singer messages.
    expect(new Set(run.messages.map((m) => m.type))).toEqual(new Set(["SCHEMA", "RECORD", "STATE"]));
    expect(run.stderr).toMatch(/INFO .*Sync finished/);

    // FULL_TABLE with the bookmark of the run before still reads every row.
    const again = await tap([], { config, catalog, state: { bookmarks: lastState(run).bookmarks } });
    expect(again.code, again.stderr).toBe(0);
    expect(records(again, "contracts").length).toBe([...sim.rows("contracts")].length);
  }, 120_000);

  it("an export read (Parquet; RECORD lines framed once, in the decode worker) gives Singer messages with the rows a rows read gives", async () => {
    const catalog = select(discovered, { spend: true, suppliers: true });
    const started = Date.now();
    // Small row groups: many batches per file, so the worker serializes some of them (not only this thread).
    const rowGroupRows = sim.variant().rowGroupRows;
    sim.setVariant({ rowGroupRows: 200 });
    const viaExport = await tap([], { config: { ...config, read_mode: "export", export_format: "parquet" }, catalog }).finally(() => sim.setVariant({ rowGroupRows }));
    const ended = Date.now();
    expect(viaExport.code, viaExport.stderr).toBe(0);
    const viaRows = await tap([], { config, catalog });
    expect(viaRows.code, viaRows.stderr).toBe(0);
    for (const stream of ["spend", "suppliers"]) {
      const byId = (run: TapRun): Row[] => records(run, stream).sort((a, b) => String(a["id"]).localeCompare(String(b["id"])));
      expect(byId(viaExport), stream).toEqual(byId(viaRows));
      expect(records(viaExport, stream).length, stream).toBe([...sim.rows(stream)].length);
    }
    for (const m of viaExport.messages.filter((x) => x.type === "RECORD")) {
      expect(Object.keys(m)).toEqual(["type", "stream", "time_extracted", "record"]);
      const at = Date.parse(m.time_extracted!);
      expect(m.time_extracted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(at).toBeGreaterThanOrEqual(started - 1000);
      expect(at).toBeLessThanOrEqual(ended);
    }
  }, 120_000);

  it("incremental: after a clock step the second run reads only rows changed since the bookmark; unread streams keep their bookmarks", async () => {
    const catalog = select(discovered, { spend: true, suppliers: true });
    const first = await tap([], { config, catalog });
    expect(first.code, first.stderr).toBe(0);
    expect(records(first, "spend").length).toBe([...sim.rows("spend")].length);
    const state = lastState(first);
    expect(Object.keys(state.bookmarks).sort()).toEqual(["spend", "suppliers"]);

    sim.advance(2);
    const cursor = String(state.bookmarks["spend"]!["cursor"]);
    const changed = [...sim.rows("spend")].filter((r) => Date.parse(String(r["updated_at"])) > Date.parse(cursor)).map(key);
    const atOrAfter = [...sim.rows("spend")].filter((r) => Date.parse(String(r["updated_at"])) >= Date.parse(cursor)).map(key);
    expect(changed.length).toBeGreaterThan(0);

    // Meltano's stored form, with a bookmark of a stream this run does not read.
    const stored = { singer_state: { bookmarks: { ...state.bookmarks, legacy_gone: { cursor: "2020-01-01T00:00:00Z" } } } };
    const second = await tap([], { config, catalog: select(discovered, { spend: true }), state: stored });
    expect(second.code, second.stderr).toBe(0);
    const got = records(second, "spend").map(key);
    for (const k of changed) expect(got).toContain(k);
    expect(got.length).toBeLessThanOrEqual(atOrAfter.length);
    expect(got.length).toBeLessThan([...sim.rows("spend")].length);
    const after = lastState(second).bookmarks;
    expect(after["suppliers"]).toEqual(state.bookmarks["suppliers"]);
    expect(after["legacy_gone"]).toEqual({ cursor: "2020-01-01T00:00:00Z" });
    expect(Date.parse(String(after["spend"]!["cursor"]))).toBeGreaterThan(Date.parse(cursor));

    // An empty state file is no state: everything again.
    const fresh = await tap([], { config, catalog: select(discovered, { suppliers: true }), state: "" });
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(records(fresh, "suppliers").length).toBe([...sim.rows("suppliers")].length);
  }, 120_000);

  it("bookmarks are the Airbyte stream states: the Airbyte bin resumes from them exactly as the tap does", async () => {
    const catalog = select(discovered, { contracts: true });
    const first = await tap([], { config, catalog });
    const bookmark = lastState(first).bookmarks["contracts"]!;
    sim.advance(1);
    const singer = await tap([], { config, catalog, state: { bookmarks: { contracts: bookmark } } });
    const airbyte = await runCli({
      args: ["read"],
      config,
      catalog: await catalogFor(config, ["contracts"], "incremental"),
      state: [{ type: "STREAM", stream: { stream_descriptor: { name: "contracts" }, stream_state: bookmark } }],
    });
    expect(airbyte.exitCode).toBe(0);
    const fromAirbyte = recordsOf(airbyte.messages, "contracts").map(key).sort();
    expect(fromAirbyte.length).toBeGreaterThan(0);
    expect(fromAirbyte.length).toBeLessThan([...sim.rows("contracts")].length);
    expect(records(singer, "contracts").map(key).sort()).toEqual(fromAirbyte);
  }, 120_000);

  it("a SIGKILLed sync resumes from its last STATE and loses no row", async () => {
    const catalog = select(discovered, { spend: { method: "FULL_TABLE" } });
    const truth = new Set([...sim.rows("spend")].map((r) => String(r["id"])));
    const killed = await tap([], { config, catalog }, { after: 1_100, signal: "SIGKILL" });
    expect(killed.signal).toBe("SIGKILL");
    const lastAt = killed.messages.map((m) => m.type).lastIndexOf("STATE");
    expect(lastAt).toBeGreaterThan(0);
    // What a target has committed: the records before the last STATE.
    const committed = killed.messages.slice(0, lastAt).filter((m) => m.type === "RECORD").map((m) => String(m.record!["id"]));
    expect(committed.length).toBeGreaterThan(0);
    const resumed = await tap([], { config, catalog, state: { bookmarks: killed.messages[lastAt]!.value!.bookmarks } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const rest = records(resumed, "spend").map((r) => String(r["id"]));
    // A resumed full table continues where it stopped rather than starting over.
    expect(rest.length).toBeLessThan(truth.size);
    const all = new Set([...committed, ...rest]);
    for (const id of truth) expect(all.has(id), `row ${id} lost`).toBe(true);
  }, 120_000);

  it("SIGTERM mid-sync: whole lines only, the last STATE still written, an error on stderr, exit non-zero", async () => {
    const catalog = select(discovered, { spend: { method: "FULL_TABLE" } });
    const stopped = await tap([], { config: { ...config, page_size: 50 }, catalog }, { after: 1, signal: "SIGTERM" });
    expect(stopped.signal).toBeNull();
    expect(stopped.code).not.toBe(0);
    expect(stopped.stdout.endsWith("\n")).toBe(true);
    expect(records(stopped, "spend").length).toBeLessThan([...sim.rows("spend")].length);
    expect(stopped.messages.filter((m) => m.type === "STATE").length).toBeGreaterThan(0);
    expect(stopped.stderr).toMatch(/Received SIGTERM/);
    expect(stopped.stderr).toMatch(/ERROR .*interrupted/);
  }, 60_000);

  it("fails clearly on stderr with a non-zero exit: invalid config, unknown flag, bad state, wrong token, a failing stream", async () => {
    const noToken = await tap([], { config: { base_url: sim.url } });
    expect(noToken.code).not.toBe(0);
    expect(noToken.stdout).toBe("");
    expect(noToken.stderr).toMatch(/api_token/);

    const badFlag = await tap(["--catalgo", "x.json"], { config });
    expect(badFlag.code).not.toBe(0);
    expect(badFlag.stderr).toContain("--catalgo");

    const badState = await tap([], { config, state: { something: 1 } });
    expect(badState.code).not.toBe(0);
    expect(badState.stderr).toMatch(/Invalid state: no "bookmarks"/);
    expect(badState.stdout).toBe("");

    const ok = await tap(["--test"], { config });
    expect(ok.code, ok.stderr).toBe(0);
    const wrong = await tap(["--test"], { config: { ...config, api_token: "ign_wrong-token-value-123456" } });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Connection test failed/);
    expect(wrong.stderr).not.toContain("ign_wrong-token-value-123456");

    sim.setFaults({ rows: { entity: "spend", status: 503 } });
    try {
      const failing = await tap([], { config: { ...config, retry_budget_seconds: 2 }, catalog: select(discovered, { spend: true, contracts: true }) });
      expect(failing.code).not.toBe(0);
      expect(failing.stderr).toMatch(/ERROR Stream 'spend' failed/);
      expect(records(failing, "contracts").length).toBe([...sim.rows("contracts")].length);
      expect(failing.stderr + failing.stdout).not.toContain(sim.token);
    } finally {
      sim.setFaults({});
    }
  }, 120_000);
});
