/**
 * The repository root and its build, found the same way whether a bench module runs compiled (dist/bench/,
 * from `npm run bench`) or from source (bench/, imported by a vitest test): the nearest folder with a
 * package.json. Child programs always run from the build.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const REPO = repoRoot();
export const DIST = join(REPO, "dist");
/** The built connector's CLI, which every bench program that runs the connector starts as a child. */
export const CLI = join(DIST, "source/main.js");
