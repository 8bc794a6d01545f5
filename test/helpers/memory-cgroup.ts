/**
 * A real memory cgroup for one child process, so a test can run the connector under a memory limit the
 * kernel enforces (OOM kill included), as a container's would be. Needs root and a writable memory
 * controller: cgroup v1 (a child of this process's own memory cgroup, so its memory is still counted
 * where ours is) or cgroup v2 (a new cgroup under the root of the unified hierarchy).
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";

export interface MemoryCgroup {
  /** Prefix of the child's command line: a shell that moves itself into the cgroup, then execs the rest. */
  readonly wrapper: readonly string[];
  /** OOM kills in the cgroup so far. */
  oomKills(): number;
  /** The most memory the cgroup was charged with (undefined where the kernel does not say). */
  peakBytes(): number | undefined;
  /** Removes the cgroup (its processes must have ended). */
  remove(): void;
}

let created = 0;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** A new cgroup limited to `limitBytes`, or why there cannot be one here. */
export function createMemoryCgroup(limitBytes: number): MemoryCgroup | { unavailable: string } {
  const membership = readFileSync("/proc/self/cgroup", "utf8").split("\n");
  const v1 = membership.map((l) => l.split(":")).find(([, controllers]) => controllers?.split(",").includes("memory"));
  const name = `ignite-test-${process.pid}-${++created}`;
  const attempts: { dir: string; limitFile: string; peakFile: string; oom: (dir: string) => number }[] = [];
  if (v1 !== undefined) {
    attempts.push({
      dir: `/sys/fs/cgroup/memory${v1.slice(2).join(":").replace(/\/$/, "")}/${name}`,
      limitFile: "memory.limit_in_bytes",
      peakFile: "memory.max_usage_in_bytes",
      oom: (dir) => Number(/oom_kill (\d+)/.exec(readFileSync(`${dir}/memory.oom_control`, "utf8"))?.[1] ?? 0),
    });
  }
  // Only where /sys/fs/cgroup is the unified hierarchy with the memory controller (not a v1 tmpfs of mounts).
  if (readText("/sys/fs/cgroup/cgroup.controllers")?.split(/\s+/).includes("memory") === true) {
    attempts.push({
      dir: `/sys/fs/cgroup/${name}`,
      limitFile: "memory.max",
      peakFile: "memory.peak",
      oom: (dir) => Number(/oom_kill (\d+)/.exec(readFileSync(`${dir}/memory.events`, "utf8"))?.[1] ?? 0),
    });
  }
  const reasons: string[] = [];
  for (const { dir, limitFile, peakFile, oom } of attempts) {
    try {
      mkdirSync(dir);
    } catch (error) {
      reasons.push(`${dir}: ${(error as Error).message}`);
      continue;
    }
    try {
      writeFileSync(`${dir}/${limitFile}`, String(limitBytes));
      return {
        wrapper: ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', `${dir}/cgroup.procs`],
        oomKills: () => oom(dir),
        peakBytes: () => {
          const text = readText(`${dir}/${peakFile}`)?.trim();
          return text === undefined ? undefined : Number(text);
        },
        remove: () => rmdirSync(dir),
      };
    } catch (error) {
      reasons.push(`${dir}/${limitFile}: ${(error as Error).message}`);
      rmdirSync(dir);
    }
  }
  return { unavailable: `no memory cgroup can be created here (${reasons.join("; ")})` };
}
