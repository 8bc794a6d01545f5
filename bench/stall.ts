/**
 * `node dist/bench/stall.js [--rows 500000] [--pause-s 60] [--paths rows,export]`: a full refresh of spend
 * whose stdout reader stops for `--pause-s` seconds after the first 10 % of the records, once through the
 * rows path and once through the Parquet export path. Prints, per path, the connector's RSS when the
 * reader stopped, the highest RSS while it was stopped, its peak RSS over the run (VmHWM), and whether
 * every record arrived once and in order.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeConfiguredCatalog } from "./catalog.js";
import { CLI } from "./repo-paths.js";
import { startSimProcess } from "./sim-process.js";
import { runStalledReader } from "./stalled-reader.js";

const PATHS: Record<string, Record<string, unknown>> = {
  rows: { read_mode: "rows" },
  export: { read_mode: "export", export_format: "parquet" },
};

const { values } = parseArgs({
  options: { rows: { type: "string", default: "500000" }, "pause-s": { type: "string", default: "60" }, paths: { type: "string", default: "rows,export" } },
});
const rows = Number(values.rows);
const pauseS = Number(values["pause-s"]);
const sim = await startSimProcess(rows);
const dir = mkdtempSync(join(tmpdir(), "ignite-stall-"));
try {
  for (const path of values.paths.split(",")) {
    const configFile = join(dir, `config-${path}.json`);
    writeFileSync(configFile, JSON.stringify({ api_token: sim.token, base_url: sim.url, ...PATHS[path] }));
    const catalogFile = await writeConfiguredCatalog(configFile, ["spend"], join(dir, "catalog.json"));
    const result = await runStalledReader({
      argv: [CLI, "read", "--config", configFile, "--catalog", catalogFile],
      pauseAfterRecords: Math.floor(rows / 10),
      pauseMs: pauseS * 1000,
      keys: { spend: "id" },
    });
    const tally = result.streams["spend"];
    const mb = (n: number): string => n.toFixed(0);
    console.log(
      `${path}: ${rows} rows, reader stopped ${pauseS} s after ${result.recordsAtPause} records (connector still running: ${result.aliveAtResume}); ` +
        `RSS ${mb(result.rssAtPauseMb)} MB when it stopped, at most ${mb(result.maxRssDuringPauseMb)} MB while stopped, ${mb(result.rssAtResumeMb)} MB at resume; ` +
        `peak RSS ${mb(result.peakRssMb)} MB; exit ${result.exitCode}; ${tally?.records ?? 0} records, ${tally?.outOfOrder ?? 0} out of order or repeated`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await sim.close();
}
