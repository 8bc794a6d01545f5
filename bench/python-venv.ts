/**
 * A Python virtualenv for a real third-party tool (PyAirbyte and Meltano in the tests, the peers of
 * `npm run bench -- --peers`), created once under <repo>/.cache/venvs/<name> (git-ignored) and reused
 * while its pinned packages are unchanged.
 * Installs come from PyPI through pip; nothing else is downloaded.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exec } from "./exec.js";

export interface Venv {
  readonly dir: string;
  readonly python: string;
  /** Path of a console script installed in the venv. */
  bin(name: string): string;
  /** How long this call took to install, or 0 when the cached venv was reused. */
  readonly installMs: number;
}

/** A python3 of at least 3.10 (what PyAirbyte and Meltano need), or undefined with the reason. */
export async function findPython(): Promise<{ python: string } | { python: undefined; reason: string }> {
  for (const python of [process.env["PYTHON"], "python3.11", "python3.12", "python3"].filter((p): p is string => !!p)) {
    const r = await exec(python, ["-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"], { timeoutMs: 30_000 });
    if (r.code !== 0) continue;
    const [maj, min] = r.stdout.trim().split(".").map(Number);
    if (maj === 3 && (min ?? 0) >= 10 && (min ?? 0) <= 13) return { python };
  }
  return { python: undefined, reason: "no python3 between 3.10 and 3.13 with the venv module on PATH (set PYTHON=...)" };
}

/**
 * Creates or reuses `.cache/venvs/<name>` holding exactly `packages` (pinned, e.g. "airbyte==0.71.3").
 * A marker file written after a successful install is what makes a venv reusable, so an
 * interrupted install is redone rather than trusted.
 */
export async function ensureVenv(repo: string, name: string, packages: readonly string[], python = "python3"): Promise<Venv> {
  const dir = join(repo, ".cache", "venvs", name);
  const marker = join(dir, ".installed");
  const want = JSON.stringify([...packages].sort());
  const venv = (installMs: number): Venv => ({
    dir,
    python: join(dir, "bin", "python"),
    bin: (script: string) => join(dir, "bin", script),
    installMs,
  });
  if (existsSync(marker) && readFileSync(marker, "utf8") === want && existsSync(join(dir, "bin", "python"))) return venv(0);

  const t0 = Date.now();
  rmSync(dir, { recursive: true, force: true });
  const create = await exec(python, ["-m", "venv", dir], { timeoutMs: 120_000 });
  if (create.code !== 0) throw new Error(`python -m venv ${dir} failed: ${create.stderr}`);
  const pip = join(dir, "bin", "pip");
  const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" };
  const install = await exec(pip, ["install", "--quiet", ...packages], { timeoutMs: 1_200_000, env });
  if (install.code !== 0) throw new Error(`pip install ${packages.join(" ")} failed:\n${install.stderr.slice(-4000)}`);
  writeFileSync(marker, want);
  return venv(Date.now() - t0);
}
