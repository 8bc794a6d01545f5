/**
 * The configured catalog a bench run of the connector reads: the built connector's own discover, cut down to
 * the wanted streams, full refresh. Taking the streams from discover (not writing them by hand) makes a run
 * read what a user's sync of those streams would, schemas included.
 */
import { writeFileSync } from "node:fs";
import { exec } from "./exec.js";
import { CLI } from "./repo-paths.js";

/** Runs discover with `configFile`, writes the catalog of `streams` to `catalogFile` and returns that path. */
export async function writeConfiguredCatalog(configFile: string, streams: readonly string[], catalogFile: string): Promise<string> {
  const r = await exec(process.execPath, [CLI, "discover", "--config", configFile], { timeoutMs: 120_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith('{"type":"CATALOG"'));
  if (line === undefined) throw new Error(`the connector's discover printed no CATALOG (exit ${r.code}): ${r.stderr.slice(-1500)}`);
  const discovered = (JSON.parse(line) as { catalog: { streams: { name: string }[] } }).catalog.streams;
  // a missing stream would otherwise surface only later, as a run that read too few records
  const missing = streams.filter((name) => !discovered.some((s) => s.name === name));
  if (missing.length > 0) throw new Error(`discover has no stream ${missing.join(", ")}`);
  const selected = discovered.filter((s) => streams.includes(s.name));
  writeFileSync(catalogFile, JSON.stringify({ streams: selected.map((stream) => ({ stream, sync_mode: "full_refresh", destination_sync_mode: "overwrite" })) }));
  return catalogFile;
}
