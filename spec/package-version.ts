/**
 * The connector's version from package.json, found from dist/spec/ and from spec/ alike: what `--version`
 * and the Singer `--about` print, and what the client sends in its User-Agent.
 */
import { readFileSync } from "node:fs";

export function packageVersion(): string {
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
