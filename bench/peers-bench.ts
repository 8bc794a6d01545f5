/**
 * `npm run bench -- --peers [--rows N] [--write-readme]`: this connector's rows path beside what users would
 * build instead (bench/peers.ts) and the raw page download, all on ONE simulator, one after another. The
 * pre-check (bench/peer-check.ts) runs first; a peer that returns different data stops the bench.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { exitProblem, runChild, type ChildRun } from "./child-run.js";
import { benchEnvironment } from "./environment.js";
import { checkPeers, describeChecks } from "./peer-check.js";
import { peerPrograms } from "./peers.js";
import { peersReadmeBody, peersTable, type PeerMeasurement } from "./peers-report.js";
import { runRawDownload } from "./raw-run.js";
import { REPO } from "./repo-paths.js";
import { replaceReadmeBlock } from "./report.js";
import { startSimProcess } from "./sim-process.js";

const README = join(REPO, "README.md");
const ENTITY = "spend";
const PEERS_PAGE_SIZE = 10_000;
/** The pre-check: every table, small, several pages each. */
const CHECK = { spendRows: 2000, pageSize: 500 } as const;

const measured = (id: string, label: string, records: number, run: ChildRun, problem: string | undefined): PeerMeasurement => ({
  id,
  label,
  records,
  wallS: run.wallS,
  peakRssMb: run.peakRssMb,
  cpuS: run.cpuS,
  load: loadavg()[0] ?? 0,
  ...(problem !== undefined && { problem }),
});

export async function runPeersBench(options: { rows: number; writeReadme: boolean }): Promise<void> {
  const env = benchEnvironment();
  console.error(`bench --peers: ${env}; ${options.rows} spend rows, page size ${PEERS_PAGE_SIZE}`);
  const { programs, installMs, python } = await peerPrograms();
  if (installMs > 0) console.error(`bench --peers: installed the peers' venvs in ${(installMs / 1000).toFixed(0)} s`);

  console.error(`bench --peers: pre-check on ${CHECK.spendRows} spend rows and the other tables, page size ${CHECK.pageSize} …`);
  const checks = await checkPeers(programs, CHECK);
  const checked = describeChecks(checks);
  console.error(checked);
  const wrong = checks.filter((c) => c.comparison.differenceCount > 0).map((c) => c.program.label);
  if (wrong.length > 0) throw new Error(`not timed: ${wrong.join(", ")} returned data that differs from the API's (above)`);

  const sim = await startSimProcess(options.rows);
  const dir = mkdtempSync(join(tmpdir(), "ignite-bench-peers-"));
  const results: PeerMeasurement[] = [];
  try {
    for (const program of programs) {
      console.error(`bench --peers: ${program.label} …`);
      const { cmd, args, env: childEnv } = await program.command(sim, [ENTITY], PEERS_PAGE_SIZE, dir);
      const run = await runChild(cmd, args, { env: childEnv });
      const problem = exitProblem(run) ?? (run.records !== options.rows ? `${run.records} records, expected ${options.rows}` : undefined);
      results.push(measured(program.id, program.label, run.records, run, problem));
      console.error(`bench --peers:   ${run.records} records in ${run.wallS.toFixed(1)} s${problem ? `, PROBLEM: ${problem}` : ""}`);
    }
    console.error("bench --peers: raw page download …");
    const raw = await runRawDownload(sim, ENTITY, PEERS_PAGE_SIZE, options.rows);
    // the raw download does not parse rows: its page count says it fetched them all
    results.push(measured("raw", "raw page download (undici, bodies dropped)", options.rows, raw.run, raw.problem));
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(peersTable(results));
  if (options.writeReadme) {
    const body = peersReadmeBody({ rows: options.rows, pageSize: PEERS_PAGE_SIZE, env, python, check: CHECK, checked, results });
    if (!replaceReadmeBlock(README, body, "bench:peers")) console.error("bench --peers: README.md has no bench:peers markers; not written");
  }
  if (results.some((m) => m.problem)) process.exitCode = 1;
}
