#!/usr/bin/env node
/**
 * CLI: `node dist/simulator/main.js --port 0 --seed 42 --spend-rows 100000 [variant and fault flags]`.
 * Prints `{"url":…,"token":…}` as its first stdout line, then serves until SIGTERM/SIGINT.
 */
import { readFileSync } from "node:fs";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import type { FaultSpec } from "./faults.js";
import { startSimulator } from "./index.js";
import { DEFAULT_VARIANT, VARIANT_CHOICES, type Variant } from "./variants.js";

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/\./g, "-");

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName("ignite-simulator")
    .usage("$0 [options]\n\nA local Ignite Procurement Export API for tests, demos and benchmarks.")
    .option("port", { type: "number", default: 0, describe: "Port (0 = any free port)" })
    .option("host", { type: "string", default: "127.0.0.1" })
    .option("seed", { type: "number", default: 42, describe: "Seed of the generated data (and faults)" })
    .option("token", { type: "string", describe: "API token (default: derived from the seed)" })
    .option("spend-rows", { type: "number", default: 2000 })
    .option("suppliers-rows", { type: "number", default: 300 })
    .option("contracts-rows", { type: "number", default: 200 })
    .option("business-units-rows", { type: "number", describe: "classification_business_units rows (default: spend rows)" })
    .option("spend-categories-rows", { type: "number", describe: "classification_spend_categories rows (default: spend rows)" })
    .option("legacy-tables", { type: "number", default: 3, describe: "Number of legacy custom data tables" })
    .option("page-token-ttl", { type: "number", default: 86_400, describe: "Page token lifetime, seconds" })
    .option("download-url-ttl", { type: "number", default: 3600, describe: "Signed download URL lifetime, seconds" })
    .option("file-retention", { type: "number", default: 7 * 86_400, describe: "Export retention, seconds" })
    .option("export-delay-ms", { type: "number", default: 300, describe: "Time an export spends queued + running" })
    .option("max-file-rows", { type: "number", default: 250_000, describe: "Rows per export file before splitting" })
    .option("faults", { type: "string", describe: 'Fault spec as JSON, e.g. \'{"rows":{"status":503,"times":3}}\' (see simulator/README.md)' })
    .option("faults-file", { type: "string", describe: "Fault spec JSON file" })
    .option("api-prefix", { type: "string", default: DEFAULT_VARIANT.apiPrefix, describe: "Variant: path prefix such as /api/v2" })
    .option("row-group-rows", { type: "number", default: DEFAULT_VARIANT.rowGroupRows, describe: "Variant: Parquet rows per row group" })
    .option("status-running-word", { type: "string", default: DEFAULT_VARIANT.statusNames.running, describe: "Variant: running | pending | in_progress | processing" })
    .option("status-failed-word", { type: "string", default: DEFAULT_VARIANT.statusNames.failed, describe: "Variant: failed | error | cancelled | canceled | expired" });
  for (const [field, choices] of Object.entries(VARIANT_CHOICES)) {
    const def = DEFAULT_VARIANT[field as keyof Variant];
    if (typeof def === "boolean") cli = cli.option(kebab(field), { type: "boolean", default: def, describe: "Variant" });
    else if (typeof def === "number") cli = cli.option(kebab(field), { type: "number", choices: choices as number[], default: def, describe: "Variant" });
    else cli = cli.option(kebab(field), { type: "string", choices: choices as string[], default: def, describe: "Variant" });
  }
  const argv = cli.strict().help().parseSync() as Record<string, unknown>;

  const variant: Partial<Variant> = {
    apiPrefix: argv["api-prefix"] as string,
    rowGroupRows: argv["row-group-rows"] as number,
    statusNames: { running: argv["status-running-word"] as string, failed: argv["status-failed-word"] as string },
  };
  for (const field of Object.keys(VARIANT_CHOICES)) (variant as Record<string, unknown>)[field] = argv[kebab(field)];
  let faults: FaultSpec | undefined;
  if (typeof argv["faults-file"] === "string") faults = JSON.parse(readFileSync(argv["faults-file"], "utf8")) as FaultSpec;
  if (typeof argv.faults === "string") faults = JSON.parse(argv.faults) as FaultSpec;

  const sim = await startSimulator({
    seed: argv.seed as number,
    token: argv.token as string | undefined,
    host: argv.host as string,
    port: argv.port as number,
    rows: {
      spend: argv["spend-rows"] as number,
      suppliers: argv["suppliers-rows"] as number,
      contracts: argv["contracts-rows"] as number,
      classification_business_units: argv["business-units-rows"] as number | undefined,
      classification_spend_categories: argv["spend-categories-rows"] as number | undefined,
    },
    legacyTables: argv["legacy-tables"] as number,
    pageTokenTtlSeconds: argv["page-token-ttl"] as number,
    downloadUrlTtlSeconds: argv["download-url-ttl"] as number,
    fileRetentionSeconds: argv["file-retention"] as number,
    exportDelayMs: argv["export-delay-ms"] as number,
    maxFileRows: argv["max-file-rows"] as number,
    variant,
    faults,
  });
  process.stdout.write(`${JSON.stringify({ url: sim.url, token: sim.token })}\n`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    void sim.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`ignite-simulator: ${(e as Error).message}\n`);
  process.exit(1);
});
