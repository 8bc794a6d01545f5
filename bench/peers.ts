/**
 * The programs `npm run bench -- --peers` compares: this connector's rows path, and what a data engineer
 * without it would build on the same endpoint: an airbyte-cdk declarative manifest (Connector Builder) and a
 * singer-sdk REST tap (Meltano), both in bench/peers/ and each run from its own pinned venv under .cache/venvs.
 * Each program gets the same simulator, the same streams and the same page size, and writes RECORD lines on
 * stdout; `command()` prepares its config and catalog files and returns how to start it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeConfiguredCatalog } from "./catalog.js";
import { exec } from "./exec.js";
import type { Envelope } from "./peer-records.js";
import { ensureVenv, findPython } from "./python-venv.js";
import { CLI, REPO } from "./repo-paths.js";

const AIRBYTE_CDK = "airbyte-cdk==7.39.1";
const SINGER_SDK = "singer-sdk==0.54.9";

const MANIFEST = join(REPO, "bench/peers/ignite-manifest.yaml");
const SINGER_TAP = join(REPO, "bench/peers/tap_ignite_sdk.py");

export interface Api {
  readonly url: string;
  readonly token: string;
}

export interface Command {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export interface Program {
  readonly id: "connector" | "manifest" | "singer-sdk";
  /** What it is, with its version, for tables. */
  readonly label: string;
  readonly envelope: Envelope;
  /** airbyte-cdk's declarative sources leave null fields out of records; the pre-check compares absent as null. */
  readonly dropsNulls: boolean;
  /** Writes config and catalog into `dir` and returns the command that reads `streams` with `pageSize` rows per page. */
  command(api: Api, streams: readonly string[], pageSize: number, dir: string): Promise<Command>;
}

/** No telemetry, no update checks: the peers talk to the simulator only. */
const QUIET_ENV = { ...process.env, DO_NOT_TRACK: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1" };

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** Runs a program's discover-like step and returns its stdout, or throws with its stderr. */
async function output(cmd: string, args: readonly string[]): Promise<string> {
  const r = await exec(cmd, args, { timeoutMs: 120_000, env: QUIET_ENV });
  if (r.code !== 0) throw new Error(`${cmd} ${args[0] ?? ""} failed (exit ${r.code}): ${r.stderr.slice(-1500)}`);
  return r.stdout;
}

const connector: Program = {
  id: "connector",
  label: `this connector ${(JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version} (rows path)`,
  envelope: "airbyte",
  dropsNulls: false,
  async command(api, streams, pageSize, dir) {
    const config = writeJson(dir, "connector-config.json", { api_token: api.token, base_url: api.url, read_mode: "rows", page_size: pageSize });
    const catalog = await writeConfiguredCatalog(config, streams, join(dir, "connector-catalog.json"));
    return { cmd: process.execPath, args: [CLI, "read", "--config", config, "--catalog", catalog], env: process.env };
  },
};

/** The programs, the peers' venvs created (or reused: `installMs` is then 0), and the Python they run on. */
export async function peerPrograms(): Promise<{ programs: Program[]; installMs: number; python: string }> {
  const found = await findPython();
  if (found.python === undefined) throw new Error(`the peers need Python: ${found.reason}`);
  const python = (await output(found.python, ["--version"])).trim();
  // one venv each, as a user of either framework would have it: nothing one installs changes the other
  const cdk = await ensureVenv(REPO, "bench-airbyte-cdk", [AIRBYTE_CDK], found.python);
  const sdk = await ensureVenv(REPO, "bench-singer-sdk", [SINGER_SDK], found.python);

  // both peers take the same config: the API, and the page size their requests ask for
  const peerConfig = (dir: string, name: string, api: Api, pageSize: number): string => writeJson(dir, name, { api_token: api.token, base_url: api.url, page_size: pageSize });

  const manifest: Program = {
    id: "manifest", envelope: "airbyte", dropsNulls: true,
    label: `declarative manifest on ${AIRBYTE_CDK.replace("==", " ")}`,
    async command(api, streams, pageSize, dir) {
      const config = peerConfig(dir, "manifest-config.json", api, pageSize);
      const catalog = writeJson(dir, "manifest-catalog.json", {
        streams: streams.map((name) => ({ stream: { name, json_schema: {}, supported_sync_modes: ["full_refresh"] }, sync_mode: "full_refresh", destination_sync_mode: "overwrite" })),
      });
      return { cmd: cdk.bin("source-declarative-manifest"), args: ["read", "--config", config, "--catalog", catalog, "--manifest-path", MANIFEST], env: QUIET_ENV };
    },
  };

  const singer: Program = {
    id: "singer-sdk", envelope: "singer", dropsNulls: false,
    label: `REST tap on ${SINGER_SDK.replace("==", " ")}`,
    async command(api, streams, pageSize, dir) {
      const config = peerConfig(dir, "singer-config.json", api, pageSize);
      // the tap's own discovery, with the wanted streams selected, as Meltano does it
      const discovered = JSON.parse(await output(sdk.python, [SINGER_TAP, "--config", config, "--discover"])) as { streams: SingerCatalogStream[] };
      const catalog = writeJson(dir, "singer-catalog.json", { streams: discovered.streams.map((s) => select(s, streams.includes(s.tap_stream_id))) });
      return { cmd: sdk.python, args: [SINGER_TAP, "--config", config, "--catalog", catalog], env: QUIET_ENV };
    },
  };
  return { programs: [connector, manifest, singer], installMs: cdk.installMs + sdk.installMs, python };
}

interface SingerCatalogStream {
  tap_stream_id: string;
  metadata: { breadcrumb: string[]; metadata: Record<string, unknown> }[];
}

function select(stream: SingerCatalogStream, selected: boolean): SingerCatalogStream {
  return { ...stream, metadata: stream.metadata.map((m) => (m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected } } : m)) };
}
