/** Where and when a benchmark ran, for its report: date, commit, Node, CPUs and the load average at start. */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { REPO } from "./repo-paths.js";

export function benchEnvironment(): string {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO, encoding: "utf8" }).trim();
  } catch {
    // not a checkout (e.g. an unpacked tarball): the commit is only informative
  }
  const cpu = cpus();
  return `${new Date().toISOString().slice(0, 16)}Z, commit ${commit}, Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "cpu"}, load average at start ${loadavg()[0]?.toFixed(1)}`;
}
