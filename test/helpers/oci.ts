/**
 * Build and run this repo's Dockerfile with whatever container tooling the machine has:
 * a real `docker` whose daemon answers, else buildah + podman through ../shared/tools/oci-build.sh
 * (no engine, no registry: it builds a local node:20-bookworm-slim), else nothing, with the reason.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { exec, type RunResult } from "../../bench/exec.js";

export type { RunResult };

async function succeeds(cmd: string, args: readonly string[]): Promise<boolean> {
  return (await exec(cmd, args, { timeoutMs: 30_000 })).code === 0;
}

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

export interface Engine {
  readonly kind: "docker" | "oci-build";
  /** Installs/creates what is missing (oci-build: buildah/podman and the local base image). */
  setup(): Promise<void>;
  build(context: string, tag: string, opts?: { cache?: boolean }): Promise<RunResult>;
  run(tag: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  inspect(tag: string): Promise<ImageConfig>;
  /** Uncompressed image size in bytes. */
  size(tag: string): Promise<number>;
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

function dockerEngine(): Engine {
  return {
    kind: "docker",
    async setup() {},
    build: (context, tag, opts) => exec("docker", ["build", ...(opts?.cache === false ? ["--no-cache"] : []), "-t", tag, context]),
    run: (tag, args, opts = {}) => exec("docker", ["run", ...runFlags(opts), tag, ...args], { timeoutMs: opts.timeoutMs ?? 300_000 }),
    async inspect(tag) {
      const r = await exec("docker", ["image", "inspect", tag]);
      if (r.code !== 0) throw new Error(`docker image inspect failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { Config: ImageConfig }[])[0]!.Config;
    },
    async size(tag) {
      const r = await exec("docker", ["image", "inspect", "--format", "{{.Size}}", tag]);
      return Number(r.stdout.trim());
    },
  };
}

/**
 * podman the way oci-build.sh runs it on these machines: runc (crun refuses the hybrid cgroup
 * layout), cgroupfs, file events, and ulimits no higher than the host's hard limits.
 */
async function podmanFlags(): Promise<string[]> {
  const hard = await exec("sh", ["-c", "echo $(ulimit -Hn) $(ulimit -Hu)"]);
  const [n, p] = hard.stdout.trim().split(/\s+/);
  const nofile = n === "unlimited" || !n ? "1048576" : n;
  const nproc = p === "unlimited" || !p || Number(p) > 16384 ? "16384" : p;
  return ["--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file", "run",
    "--pull=never", "--ulimit", `nofile=${nofile}:${nofile}`, "--ulimit", `nproc=${nproc}:${nproc}`];
}

function ociEngine(script: string): Engine {
  return {
    kind: "oci-build",
    async setup() {
      if (!(await succeeds("sh", ["-c", "command -v buildah && command -v podman"]))) {
        const deps = await exec("bash", [script, "deps"], { timeoutMs: 900_000 });
        if (deps.code !== 0) throw new Error(`oci-build.sh deps failed:\n${deps.stderr.slice(-3000)}`);
      }
      // idempotent: returns at once when the local node:20-bookworm-slim already exists
      const base = await exec("bash", [script, "base"], { timeoutMs: 900_000 });
      if (base.code !== 0) throw new Error(`oci-build.sh base failed:\n${base.stderr.slice(-3000)}`);
    },
    // --layers (after the script's --layers=false) keeps the npm ci layers for warm rebuilds
    build: (context, tag, opts) =>
      exec("bash", [script, "build", context, tag, ...(opts?.cache === false ? [] : ["--layers=true"])], { timeoutMs: 1_200_000 }),
    async run(tag, args, opts = {}) {
      return exec("podman", [...(await podmanFlags()), ...runFlags(opts), tag, ...args], { timeoutMs: opts.timeoutMs ?? 300_000 });
    },
    async inspect(tag) {
      const r = await exec("buildah", ["inspect", "--type", "image", tag]);
      if (r.code !== 0) throw new Error(`buildah inspect failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
    },
    async size(tag) {
      const r = await exec("podman", ["image", "inspect", "--format", "{{.Size}}", tag]);
      return Number(r.stdout.trim());
    },
  };
}

/** The engine to use here, or why there is none (the caller skips with that reason). */
export async function detectEngine(repo: string): Promise<{ engine: Engine } | { engine: undefined; reason: string }> {
  if (await succeeds("docker", ["info"])) return { engine: dockerEngine() };
  const script = resolve(join(repo, "..", "shared", "tools", "oci-build.sh"));
  if (!existsSync(script)) {
    return { engine: undefined, reason: `no Docker daemon answers \`docker info\` and ${script} does not exist` };
  }
  if (process.platform !== "linux") return { engine: undefined, reason: `buildah/podman need Linux (this is ${process.platform})` };
  if (!(await succeeds("sh", ["-c", "command -v buildah || command -v apt-get"]))) {
    return { engine: undefined, reason: "no Docker daemon, no buildah, and no apt-get to install it" };
  }
  return { engine: ociEngine(script) };
}
