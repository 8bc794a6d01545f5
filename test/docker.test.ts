/**
 * The shipped image, built from the real Dockerfile and run the way Airbyte, CAT and Meltano run it:
 * config, catalog and state mounted as files under /data, host network to reach the simulator on
 * loopback. Uses a real Docker daemon when one answers, else buildah + podman via
 * ../shared/tools/oci-build.sh (installing them and the local base image on first use).
 *
 * Slow-ish, timings printed for CI budgeting. Measured here (2 cores, oci-build.sh): first-time setup
 * (apt deps + debootstrap base) ~50 s, image build 25–80 s depending on load and layer cache.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { detectEngine, type Engine, type ImageConfig, type RunResult } from "./helpers/oci.js";
import { simCount, simTables, spawnSimulator, type SimProcess, type SimTable } from "./helpers/simulator-truth.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const TAG = "localhost/source-ignite-procurement:test";
const detected = await detectEngine(repo);
if (!detected.engine) console.warn(`[docker.test] SKIPPED: ${detected.reason}`);

type Msg = { type: string; [k: string]: unknown };
const messages = (r: RunResult): Msg[] =>
  r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Msg);
const ofType = (r: RunResult, type: string): Msg[] => messages(r).filter((m) => m.type === type);
const explain = (r: RunResult): string => `exit ${r.code}\nstdout tail:\n${r.stdout.slice(-1500)}\nstderr tail:\n${r.stderr.slice(-1500)}`;

describe.skipIf(!detected.engine)("Docker image (built from ./Dockerfile)", () => {
  const engine = detected.engine as Engine;
  let sim: SimProcess;
  let data: string;
  let config: ImageConfig;
  let tables: SimTable[];
  const mount = (): Record<string, string> => ({ [data]: "/data" });
  /** Writes a file the container's uid 1000 can read (mkdtemp makes 0700 dirs). */
  const put = (name: string, value: unknown): void => {
    writeFileSync(join(data, name), JSON.stringify(value));
    chmodSync(join(data, name), 0o644);
  };

  beforeAll(async () => {
    const t0 = Date.now();
    await engine.setup();
    const tSetup = Date.now() - t0;
    const build = await engine.build(repo, TAG);
    expect(build.code, `image build failed:\n${build.stderr.slice(-4000)}\n${build.stdout.slice(-2000)}`).toBe(0);
    config = await engine.inspect(TAG);
    const size = await engine.size(TAG);
    console.info(
      `[docker.test] engine=${engine.kind} setup=${(tSetup / 1000).toFixed(1)}s build=${(build.ms / 1000).toFixed(1)}s size=${(size / 1e6).toFixed(0)}MB`,
    );

    sim = await spawnSimulator(repo, ["--seed", "42", "--spend-rows", "3000"]);
    tables = await simTables(sim.url, sim.token);
    data = mkdtempSync(join(tmpdir(), "sip-docker-"));
    chmodSync(data, 0o755);
    put("config.json", { api_token: sim.token, base_url: sim.url, lookback_window: "PT0S", full_snapshot_interval_days: 0 });
    put("bad_config.json", { api_token: "wrong-token", base_url: sim.url });
    writeFileSync(join(data, "heap-probe.cjs"), 'process.stderr.write("HEAP_MB=" + Math.round(require("v8").getHeapStatistics().heap_size_limit / 1048576) + "\\n");\n');
    chmodSync(join(data, "heap-probe.cjs"), 0o644);
  }, 1_800_000);

  afterAll(async () => {
    await sim?.close();
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it("labels match metadata.yaml, AIRBYTE_ENTRYPOINT equals the ENTRYPOINT, user is uid 1000", () => {
    const meta = (parseYaml(readFileSync(join(repo, "metadata.yaml"), "utf8")) as { data: Record<string, string> }).data;
    expect(config.Labels?.["io.airbyte.name"]).toBe(meta["dockerRepository"]);
    expect(config.Labels?.["io.airbyte.version"]).toBe(meta["dockerImageTag"]);
    const env = Object.fromEntries((config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    expect(config.Entrypoint?.length).toBeGreaterThan(0);
    expect(env["AIRBYTE_ENTRYPOINT"]).toBe(config.Entrypoint!.join(" "));
    expect(config.Entrypoint![0]!.startsWith("/")).toBe(true);
    expect(config.Cmd ?? []).toEqual([]);
    expect(config.User).toMatch(/^1000(:1000)?$/);
    expect(env["TMPDIR"]).toBeTruthy();
  });

  it("runs as airbyte (1000) with writable /airbyte and TMPDIR, read-only code, no dev deps or sources", async () => {
    const script = [
      'echo "who=$(id -un):$(id -u):$(id -g)"',
      'touch /airbyte/w && echo airbyte-writable',
      'touch "$TMPDIR/w" && echo tmp-writable',
      "touch /airbyte/integration_code/w 2>/dev/null || echo code-readonly",
      "ls /airbyte/integration_code/dist",
      // dev dependencies must be absent, production ones present
      'for p in typescript vitest yaml @duckdb/node-api @types/node apache-arrow parquet-wasm undici; do ' +
        'test -f "/airbyte/integration_code/node_modules/$p/package.json" && echo "pkg:$p"; done',
      "find /airbyte/integration_code -name '*.ts' -not -path '*/node_modules/*' | head -3",
    ].join("; ");
    const r = await engine.run(TAG, ["-c", script], { entrypoint: "/bin/sh" });
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toContain("who=airbyte:1000:1000");
    expect(r.stdout).toContain("airbyte-writable");
    expect(r.stdout).toContain("tmp-writable");
    expect(r.stdout).toContain("code-readonly");
    const dist = r.stdout.split("\n").filter((l) => /^(source|spec|streams|simulator|bench|test)$/.test(l.trim()));
    expect(dist.map((l) => l.trim()).sort()).toEqual(["source", "spec", "streams"]);
    const pkgs = r.stdout.split("\n").filter((l) => l.startsWith("pkg:")).map((l) => l.slice(4));
    expect(pkgs.sort()).toEqual(["apache-arrow", "parquet-wasm", "undici"]);
    expect(r.stdout).not.toMatch(/\.ts\n/);
  });

  it("spec prints exactly one SPEC equal to spec/spec.json", async () => {
    const r = await engine.run(TAG, ["spec"]);
    expect(r.code, explain(r)).toBe(0);
    const specs = ofType(r, "SPEC");
    expect(specs).toHaveLength(1);
    const expected = JSON.parse(readFileSync(join(repo, "spec/spec.json"), "utf8")) as Record<string, unknown>;
    const spec = specs[0]!["spec"] as Record<string, unknown>;
    expect(spec["connectionSpecification"]).toEqual(expected["connectionSpecification"]);
    expect(spec["documentationUrl"]).toBe(expected["documentationUrl"]);
  });

  it("check with a mounted config: SUCCEEDED for the simulator's token, FAILED for a wrong one", async () => {
    const ok = await engine.run(TAG, ["check", "--config", "/data/config.json"], { volumes: mount() });
    expect(ok.code, explain(ok)).toBe(0);
    expect(ofType(ok, "CONNECTION_STATUS").map((m) => (m["connectionStatus"] as { status: string }).status)).toEqual(["SUCCEEDED"]);
    const bad = await engine.run(TAG, ["check", "--config", "/data/bad_config.json"], { volumes: mount() });
    expect(ofType(bad, "CONNECTION_STATUS").map((m) => (m["connectionStatus"] as { status: string }).status), explain(bad)).toEqual(["FAILED"]);
    expect(bad.stdout + bad.stderr).not.toContain(sim.token);
  });

  it("discover, then a short read with mounted catalog and state: counts equal the simulator's, the resumed read nothing older than the state", async () => {
    const disc = await engine.run(TAG, ["discover", "--config", "/data/config.json"], { volumes: mount() });
    expect(disc.code, explain(disc)).toBe(0);
    const catalog = ofType(disc, "CATALOG")[0]!["catalog"] as { streams: Record<string, unknown>[] };
    const byName = new Map(catalog.streams.map((s) => [s["name"] as string, s]));
    // two small tables keep the read short; both support incremental per the contract
    const picked = ["suppliers", "contracts"].filter((n) => byName.has(n));
    expect(picked).toHaveLength(2);
    put("catalog.json", {
      streams: picked.map((n) => {
        const s = byName.get(n)!;
        const incremental = (s["supported_sync_modes"] as string[]).includes("incremental");
        return {
          stream: s,
          sync_mode: incremental ? "incremental" : "full_refresh",
          destination_sync_mode: "append",
          ...(incremental ? { cursor_field: s["default_cursor_field"] } : {}),
          ...(s["source_defined_primary_key"] ? { primary_key: s["source_defined_primary_key"] } : {}),
        };
      }),
    });

    const first = await engine.run(TAG, ["read", "--config", "/data/config.json", "--catalog", "/data/catalog.json"], { volumes: mount() });
    expect(first.code, explain(first)).toBe(0);
    const counts = (r: RunResult): Record<string, number> => {
      const c: Record<string, number> = Object.fromEntries(picked.map((n) => [n, 0]));
      for (const m of ofType(r, "RECORD")) c[(m["record"] as { stream: string }).stream]! += 1;
      return c;
    };
    const truth: Record<string, number> = {};
    for (const n of picked) truth[n] = await simCount(sim.url, sim.token, tables.find((t) => t.id === n)!);
    expect(counts(first)).toEqual(truth);

    // the state exactly as Airbyte hands it back: the last STATE per stream, as a list
    const last = new Map<string, unknown>();
    for (const m of ofType(first, "STATE")) {
      const st = m["state"] as { stream: { stream_descriptor: { name: string } } };
      last.set(st.stream.stream_descriptor.name, st);
    }
    expect([...last.keys()].sort()).toEqual([...picked].sort());
    put("state.json", [...last.values()].map((s) => ({ type: "STREAM", stream: (s as { stream: unknown }).stream })));
    const second = await engine.run(
      TAG,
      ["read", "--config", "/data/config.json", "--catalog", "/data/catalog.json", "--state", "/data/state.json"],
      { volumes: mount() },
    );
    expect(second.code, explain(second)).toBe(0);
    // nothing changed in the simulator: only rows at the kept cursor itself may come again (the
    // cursor is inclusive so rows sharing its timestamp are never lost), never an older one
    for (const n of picked) {
      const again = ofType(second, "RECORD").filter((m) => (m["record"] as { stream: string }).stream === n);
      const firstRows = ofType(first, "RECORD").filter((m) => (m["record"] as { stream: string }).stream === n);
      const cursor = String((byName.get(n)!["default_cursor_field"] as string[])[0]);
      const max = Math.max(...firstRows.map((m) => Date.parse(String((m["record"] as { data: Record<string, unknown> }).data[cursor]))));
      expect(again.length, `${n}: a full re-read`).toBeLessThan(truth[n]!);
      for (const m of again) expect(Date.parse(String((m["record"] as { data: Record<string, unknown> }).data[cursor]))).toBeGreaterThanOrEqual(max);
    }
    expect(ofType(second, "STATE").length).toBeGreaterThanOrEqual(picked.length);
  }, 300_000);

  it("the V8 heap follows the container memory limit (~75 %)", async () => {
    const probe = { volumes: mount(), env: { NODE_OPTIONS: "--require=/data/heap-probe.cjs" } };
    const limited = await engine.run(TAG, ["spec"], { ...probe, memory: "512m" });
    expect(limited.code, explain(limited)).toBe(0);
    const heap = Number(/HEAP_MB=(\d+)/.exec(limited.stderr)?.[1]);
    // --max-old-space-size=384 plus V8's young generation; Node's own default here would be ~1/4 of 512
    expect(heap).toBeGreaterThanOrEqual(370);
    expect(heap).toBeLessThanOrEqual(440);
    const unlimited = await engine.run(TAG, ["spec"], probe);
    expect(Number(/HEAP_MB=(\d+)/.exec(unlimited.stderr)?.[1])).not.toBe(heap);
    // an operator's own --max-old-space-size wins over the computed one
    const own = await engine.run(TAG, ["spec"], { ...probe, memory: "512m", env: { NODE_OPTIONS: "--max-old-space-size=200 --require=/data/heap-probe.cjs" } });
    const ownHeap = Number(/HEAP_MB=(\d+)/.exec(own.stderr)?.[1]);
    expect(ownHeap).toBeGreaterThanOrEqual(200);
    expect(ownHeap).toBeLessThan(260);
  });

  it("works on a read-only root filesystem with a tmpfs /tmp (Airbyte's hardened pods)", async () => {
    const r = await engine.run(TAG, ["check", "--config", "/data/config.json"], { volumes: mount(), readOnlyRoot: true });
    expect(r.code, explain(r)).toBe(0);
    expect(ofType(r, "CONNECTION_STATUS")).toHaveLength(1);
  });
});
