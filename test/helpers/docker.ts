/**
 * A working `docker` CLI for the tests, used exactly as the README tells a user to use it. A Docker
 * engine when `docker info` answers; else, on Linux with ../shared/tools/oci-build.sh beside the repo,
 * podman's Docker-compatible API: `oci-build.sh deps` installs podman and buildah, `base` makes the
 * local node:20-bookworm-slim (no registry is reachable here), `docker-api` starts the API service and
 * prints the DOCKER_HOST that points the docker CLI at it. The service is this run's own (its state
 * folder is keyed by the repo path, so runs in other clones do not share or stop it) and `stop()`
 * ends it by the pid the script recorded.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { exec, type RunResult } from "../../bench/exec.js";

export interface RunOptions {
  /** host dir → container dir (read-only) */
  volumes?: Record<string, string>;
  env?: Record<string, string>;
  /** e.g. "512m": the container's memory limit */
  memory?: string;
  /** read-only root filesystem with a tmpfs /tmp, as Airbyte's hardened pods run it */
  readOnlyRoot?: boolean;
  entrypoint?: string;
  timeoutMs?: number;
}

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface Docker {
  /** "engine": a Docker daemon answered; "podman": this run started podman's Docker API. */
  readonly via: "engine" | "podman";
  /** The environment every `docker` command of the tests runs with (DOCKER_HOST for podman). */
  readonly env: NodeJS.ProcessEnv;
  docker(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** `docker run --rm --network host …`: the simulator listens on loopback only. */
  run(tag: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  inspect(tag: string): Promise<ImageConfig>;
  /** Ends what start() started (nothing for an engine). */
  stop(): Promise<void>;
}

function runFlags(opts: RunOptions): string[] {
  const flags = ["--rm", "--network", "host"];
  for (const [host, ctr] of Object.entries(opts.volumes ?? {})) flags.push("-v", `${host}:${ctr}:ro`);
  for (const [k, v] of Object.entries(opts.env ?? {})) flags.push("-e", `${k}=${v}`);
  if (opts.memory) flags.push("--memory", opts.memory);
  if (opts.readOnlyRoot) flags.push("--read-only", "--tmpfs", "/tmp");
  if (opts.entrypoint) flags.push("--entrypoint", opts.entrypoint);
  return flags;
}

function dockerWith(via: Docker["via"], env: NodeJS.ProcessEnv, stop: () => Promise<void>): Docker {
  const docker = (args: readonly string[], timeoutMs = 300_000): Promise<RunResult> => exec("docker", args, { env, timeoutMs });
  return {
    via,
    env,
    docker,
    run: (tag, args, opts = {}) => docker(["run", ...runFlags(opts), tag, ...args], opts.timeoutMs),
    async inspect(tag) {
      const r = await docker(["image", "inspect", tag]);
      if (r.code !== 0) throw new Error(`docker image inspect ${tag} failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { Config: ImageConfig }[])[0]!.Config;
    },
    stop,
  };
}

const answers = async (env: NodeJS.ProcessEnv): Promise<boolean> => (await exec("docker", ["info"], { env, timeoutMs: 30_000 })).code === 0;

/** Runs one oci-build.sh command; throws with its output's tail when it fails. */
async function ociBuild(script: string, work: string, command: string): Promise<RunResult> {
  const r = await exec("bash", [script, command], { env: { ...process.env, WORK: work }, timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`oci-build.sh ${command} failed (exit ${r.code}):\n${r.stderr.slice(-3000)}`);
  return r;
}

async function startPodmanApi(script: string, work: string): Promise<Docker> {
  await ociBuild(script, work, "deps");
  await ociBuild(script, work, "base"); // returns at once when the local base image exists
  const api = await ociBuild(script, work, "docker-api");
  const stop = async (): Promise<void> => void (await exec("bash", [script, "docker-api-stop"], { env: { ...process.env, WORK: work } }));
  // the script prints `export DOCKER_HOST=unix://… DOCKER_BUILDKIT=0` (podman serves the classic builder API)
  const exported = /^export (.*)$/m.exec(api.stdout)?.[1] ?? "";
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [, k, v] of exported.matchAll(/(\w+)=(\S+)/g)) env[k!] = v;
  if (!env["DOCKER_HOST"] || !(await answers(env))) {
    await stop();
    throw new Error(`podman's Docker API did not answer \`docker info\` (script said: ${api.stdout.trim()})`);
  }
  return dockerWith("podman", env, stop);
}

/** How to get a docker that answers here, or why there is none. */
export async function findDocker(repo: string): Promise<{ start(): Promise<Docker> } | { reason: string }> {
  if ((await exec("docker", ["--version"], { timeoutMs: 30_000 })).code !== 0) return { reason: "no `docker` CLI on PATH" };
  if (await answers(process.env)) return { start: async () => dockerWith("engine", process.env, async () => {}) };
  const script = resolve(repo, "..", "shared", "tools", "oci-build.sh");
  if (process.platform !== "linux") return { reason: `no Docker engine answers \`docker info\`, and podman's Docker API needs Linux (this is ${process.platform})` };
  if (!existsSync(script)) return { reason: `no Docker engine answers \`docker info\`, and ${script} (which sets up podman's Docker API) does not exist` };
  if ((await exec("sh", ["-c", "command -v podman || command -v apt-get"])).code !== 0) {
    return { reason: "no Docker engine answers `docker info`, and there is neither podman nor apt-get to install it" };
  }
  const work = join(tmpdir(), `sip-oci-${createHash("sha1").update(resolve(repo)).digest("hex").slice(0, 10)}`);
  return { start: () => startPodmanApi(script, work) };
}
