/**
 * `npm run demo`: the connector's main job against the embedded simulator. It starts a simulated Ignite
 * tenant, runs the built CLI's spec → check → discover → read (every stream, incremental where offered),
 * advances the tenant's clock, reads again with the saved state, and prints what happened.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../simulator/index.js";
import { CLI } from "./repo-paths.js";


interface Message {
  type: string;
  record?: { stream: string };
  state?: { stream?: { stream_descriptor: { name: string }; stream_state?: unknown } };
  trace?: { type: string; error?: { message: string } };
  connectionStatus?: { status: string; message?: string };
  catalog?: { streams: CatalogStream[] };
  log?: { level: string; message: string };
}
interface CatalogStream {
  name: string;
  supported_sync_modes: string[];
  default_cursor_field?: string[];
}

async function run(args: string[]): Promise<{ messages: Message[]; code: number | null; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const messages: Message[] = [];
  let rest = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") messages.push(JSON.parse(line) as Message);
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { messages, code, seconds: (performance.now() - started) / 1000 };
}

function summarize(title: string, result: { messages: Message[]; code: number | null; seconds: number }): Map<string, unknown> {
  const counts = new Map<string, number>();
  const states = new Map<string, unknown>();
  for (const m of result.messages) {
    if (m.type === "RECORD" && m.record) counts.set(m.record.stream, (counts.get(m.record.stream) ?? 0) + 1);
    if (m.type === "STATE" && m.state?.stream) states.set(m.state.stream.stream_descriptor.name, m.state.stream.stream_state);
    if (m.type === "TRACE" && m.trace?.type === "ERROR") console.log(`  error: ${m.trace.error?.message}`);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${title}: ${total} records in ${result.seconds.toFixed(1)} s (exit ${result.code})`);
  for (const name of states.keys()) console.log(`  ${name.padEnd(34)} ${String(counts.get(name) ?? 0).padStart(8)} records`);
  return states;
}

async function main(): Promise<void> {
  const spendRows = Number(process.env["DEMO_SPEND_ROWS"] ?? 20_000);
  const sim = await startSimulator({ rows: { spend: spendRows } });
  const dir = mkdtempSync(join(tmpdir(), "ignite-demo-"));
  try {
    console.log(`Simulated Ignite tenant at ${sim.url} (${spendRows} spend rows)`);
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ api_token: sim.token, base_url: sim.url }));

    const check = await run(["check", "--config", config]);
    const status = check.messages.find((m) => m.type === "CONNECTION_STATUS")?.connectionStatus;
    console.log(`check: ${status?.status} ${status?.message ?? ""}`);

    const discover = await run(["discover", "--config", config]);
    const streams = discover.messages.find((m) => m.type === "CATALOG")?.catalog?.streams ?? [];
    console.log(`discover: ${streams.map((s) => s.name).join(", ")}`);
    const catalog = join(dir, "catalog.json");
    writeFileSync(
      catalog,
      JSON.stringify({
        streams: streams.map((stream) => {
          const incremental = stream.supported_sync_modes.includes("incremental");
          return {
            stream,
            sync_mode: incremental ? "incremental" : "full_refresh",
            destination_sync_mode: incremental ? "append_dedup" : "overwrite",
            ...(incremental && stream.default_cursor_field && { cursor_field: stream.default_cursor_field }),
          };
        }),
      }),
    );

    const first = summarize("first sync", await run(["read", "--config", config, "--catalog", catalog]));
    sim.advance(3);
    const state = join(dir, "state.json");
    writeFileSync(
      state,
      JSON.stringify([...first].map(([name, stream_state]) => ({ type: "STREAM", stream: { stream_descriptor: { name }, stream_state } }))),
    );
    summarize("second sync (after 3 clock steps, with the saved state)", await run(["read", "--config", config, "--catalog", catalog, "--state", state]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sim.close();
  }
}

await main();
