/**
 * The connector's version from package.json, found from dist/spec/ and from spec/ alike: what `--version`
 * and the Singer `--about` print, and what the client sends in its User-Agent.
 */
import { readFileSync } from "node:fs";

// The runtime and every client a run makes ask for it; package.json does not change under a running
// process, so it is read once, on first use (not at import, which would cost every process that never asks).
let version: string | undefined;

export function packageVersion(): string {
  return (version ??= readPackageVersion());
}

function readPackageVersion(): string {
  for (const rel of ["../../package.json", "../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "source-ignite-procurement" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // try the next location (dist/spec/ vs spec/)
    }
  }
  return "unknown";
}
