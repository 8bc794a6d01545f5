#!/usr/bin/env node
/**
 * `npm run docs`: rewrites the config reference block of README.md from spec/spec.json.
 * `--check` only compares and exits 1 when the README is stale (for CI or a pre-commit hook).
 * `--readme FILE` / `--spec FILE` point elsewhere (tests use a temp copy, never the real README).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ConnectorSpecification } from "./index.js";
import { extractBlock, REFERENCE_END, REFERENCE_START, renderReference, replaceBlock } from "./reference.js";

/** The repository root, from dist/spec/ (built) — the source spec.json, not the build's copy, is the truth. */
const ROOT = new URL("../../", import.meta.url);

function parseArgs(argv: readonly string[]): { check: boolean; readme: string; spec: string } {
  const out = { check: false, readme: fileURLToPath(new URL("README.md", ROOT)), spec: fileURLToPath(new URL("spec/spec.json", ROOT)) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a file path`);
      return next;
    };
    if (arg === "--check") out.check = true;
    else if (arg === "--readme") out.readme = value();
    else if (arg === "--spec") out.spec = value();
    else throw new Error(`unknown argument ${arg}; usage: write-reference [--check] [--readme FILE] [--spec FILE]`);
  }
  return out;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  const spec = JSON.parse(readFileSync(args.spec, "utf8")) as ConnectorSpecification;
  const readme = readFileSync(args.readme, "utf8");
  const wanted = renderReference(spec);
  if (extractBlock(readme, REFERENCE_START, REFERENCE_END) === wanted) {
    process.stdout.write(`${args.readme}: config reference is up to date\n`);
    return 0;
  }
  if (args.check) {
    process.stderr.write(`${args.readme}: config reference differs from ${args.spec}; run npm run docs\n`);
    return 1;
  }
  writeFileSync(args.readme, replaceBlock(readme, REFERENCE_START, REFERENCE_END, wanted));
  process.stdout.write(`${args.readme}: config reference rewritten from ${args.spec}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  process.stderr.write(`write-reference: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
