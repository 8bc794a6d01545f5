/**
 * package-lock.json is written by npm, never by hand: `npm ci` on a fresh clone (the README's first
 * command, .ci/run and the Docker build) trusts it entirely. A hand-made entry without a version once
 * broke every install the day the registry began serving that package. These checks fail, naming the
 * entry and the fix, before a clean clone does.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
type Json = Record<string, unknown>;
const readJson = (name: string): Json => JSON.parse(readFileSync(join(repo, name), "utf8")) as Json;

interface LockEntry {
  version?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const pkg = readJson("package.json");
const lock = readJson("package-lock.json") as { lockfileVersion?: number; packages?: Record<string, LockEntry & Json> };
const packages = lock.packages ?? {};
const FIX = "Let npm write the lock: `npm install --package-lock-only`, then prove `npm ci` from a fresh clone.";
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Where Node would find `name` from the package installed at `from` (nested node_modules first). */
function resolveIn(from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = `${dir === "" ? "" : `${dir}/`}node_modules/${name}`;
    if (candidate in packages) return candidate;
    if (dir === "") return undefined;
    const cut = dir.lastIndexOf("/node_modules/");
    dir = cut < 0 ? "" : dir.slice(0, cut);
  }
}

describe("package-lock.json is npm's own and agrees with package.json", () => {
  it("is a lockfileVersion 3 lock with a packages map", () => {
    expect(lock.lockfileVersion).toBe(3);
    expect(Object.keys(packages).length).toBeGreaterThan(1);
  });

  it("its root entry repeats package.json (name, version, dependencies, bins, engines)", () => {
    const root = packages[""] ?? {};
    for (const field of ["name", "version", "dependencies", "devDependencies", "optionalDependencies", "bin", "engines", "license"]) {
      expect(root[field], `lock root "${field}" differs from package.json. ${FIX}`).toEqual(pkg[field]);
    }
  });

  it("every installed entry has a semver version and an integrity hash", () => {
    const broken = Object.entries(packages)
      .filter(([path, e]) => path !== "" && e.link !== true)
      .filter(([, e]) => typeof e.version !== "string" || !SEMVER.test(e.version) || typeof e.integrity !== "string" || !/^sha(512|384|256|1)-/.test(e.integrity))
      .map(([path]) => path);
    expect(broken, `entries npm did not write (no version/integrity). ${FIX}`).toEqual([]);
  });

  it("each dependency of package.json is locked at the version it pins", () => {
    const wanted = { ...(pkg["dependencies"] as Record<string, string>), ...(pkg["devDependencies"] as Record<string, string>) };
    const wrong = Object.entries(wanted)
      .filter(([name, spec]) => {
        const locked = packages[`node_modules/${name}`]?.version;
        return locked === undefined || (SEMVER.test(spec) && locked !== spec);
      })
      .map(([name, spec]) => `${name}@${spec} (locked: ${packages[`node_modules/${name}`]?.version ?? "absent"})`);
    expect(wrong, `package.json and the lock disagree. ${FIX}`).toEqual([]);
  });

  it("every required dependency of every locked package resolves to a locked package", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(packages)) {
      if (path === "" || entry.link === true) continue;
      for (const name of Object.keys(entry.dependencies ?? {})) {
        if (resolveIn(path, name) === undefined) missing.push(`${path} → ${name}`);
      }
    }
    expect(missing, `the locked tree is incomplete. ${FIX}`).toEqual([]);
  });
});
