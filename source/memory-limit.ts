/**
 * Reads what limits this process's memory: the memory cgroup it runs in (v2 `memory.max`, v1
 * `memory.limit_in_bytes`, the lowest along its path: a parent's limit binds its children too), and the V8
 * heap limit (--max-old-space-size, or V8's own choice). Also the process's anonymous resident memory,
 * what the kernel cannot reclaim and counts towards the cgroup limit: unlike VmRSS it leaves out the mapped
 * node binary and libraries (≈ 45 MB of shared file pages).
 *
 * The cgroup is found the way the kernel exposes it: /proc/self/cgroup names the process's cgroup per
 * hierarchy, /proc/self/mountinfo where that hierarchy is mounted and which part of it (a container sees its
 * own cgroup as the mount's root). Everything is read under `root` so tests can give a tree of their own.
 */
import { readFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";
import { planBudget, type MemoryBudget, type MemoryLimits } from "./memory-budget.js";

/** cgroup v1 says "no limit" with a huge number (PAGE_COUNTER_MAX pages); anything from 2^60 on means none. */
const NO_LIMIT = 2 ** 60;

/** This process's budget now: its limits, with what it already uses as the baseline. */
export function readMemoryBudget(root = ""): MemoryBudget {
  return planBudget(readMemoryLimits(root), anonymousRssBytes(root));
}

export function readMemoryLimits(root = ""): MemoryLimits {
  const heapLimitBytes = getHeapStatistics().heap_size_limit;
  const cgroupBytes = cgroupLimit(root);
  return cgroupBytes === undefined ? { heapLimitBytes } : { heapLimitBytes, cgroupBytes };
}

/** Anonymous resident memory of this process (all its threads), or its whole RSS where /proc is not there. */
export function anonymousRssBytes(root = ""): number {
  const status = readText(`${root}/proc/self/status`);
  const kb = status === undefined ? undefined : /^RssAnon:\s+(\d+) kB/m.exec(status)?.[1];
  return kb === undefined ? process.memoryUsage.rss() : Number(kb) * 1024;
}

interface Mount {
  /** The part of the hierarchy the mount shows, e.g. "/" or "/docker/abc". */
  readonly root: string;
  readonly point: string;
}

function cgroupLimit(root: string): number | undefined {
  const membership = readText(`${root}/proc/self/cgroup`);
  const mountinfo = readText(`${root}/proc/self/mountinfo`);
  if (membership === undefined || mountinfo === undefined) return undefined;
  const mounts = mountinfo.split("\n").map((line) => line.split(" "));
  let lowest: number | undefined;
  for (const line of membership.split("\n")) {
    // "hierarchy-id:controllers:path"; v2 is "0::/path", v1 memory is "N:memory:/path" (controllers may be combined).
    const [id, controllers = "", ...rest] = line.split(":");
    const path = rest.join(":");
    if (id === undefined || path === "") continue;
    const v2 = id === "0" && controllers === "";
    if (!v2 && !controllers.split(",").includes("memory")) continue;
    const mount = findMount(mounts, v2);
    if (mount === undefined) continue;
    const file = v2 ? "memory.max" : "memory.limit_in_bytes";
    for (const dir of dirsUp(mount, path)) {
      const text = readText(`${root}${dir}/${file}`)?.trim();
      if (text === undefined || !/^\d+$/.test(text)) continue; // "max" (v2) or not readable
      const bytes = Number(text);
      if (bytes < NO_LIMIT && (lowest === undefined || bytes < lowest)) lowest = bytes;
    }
  }
  return lowest;
}

/** The mount of the unified hierarchy (cgroup2), or of the v1 hierarchy with the memory controller. */
function findMount(mounts: readonly string[][], v2: boolean): Mount | undefined {
  for (const fields of mounts) {
    // mountinfo: id parent major:minor root mount-point options [optional fields…] - fstype source super-options
    const dash = fields.indexOf("-");
    if (dash < 0 || fields[3] === undefined || fields[4] === undefined) continue;
    const fstype = fields[dash + 1];
    const superOptions = (fields[dash + 3] ?? "").split(",");
    if (v2 ? fstype === "cgroup2" : fstype === "cgroup" && superOptions.includes("memory")) return { root: fields[3], point: fields[4] };
  }
  return undefined;
}

/** The cgroup's directory under the mount and each parent up to the mount point. */
function dirsUp(mount: Mount, path: string): string[] {
  const root = mount.root === "/" ? "" : mount.root;
  // A path outside what the mount shows (a container that sees only its own cgroup): the mount's root is it.
  const inside = path === root || path.startsWith(`${root}/`) ? path.slice(root.length) : "";
  const parts = inside.split("/").filter((p) => p !== "");
  const dirs: string[] = [];
  for (let n = parts.length; n >= 0; n--) dirs.push([mount.point, ...parts.slice(0, n)].join("/"));
  return dirs;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
