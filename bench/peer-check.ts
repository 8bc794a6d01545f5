/**
 * Before anything is timed: every program reads every export table of a small simulator, and its records
 * must be the API's rows, same ids and same values (bench/peer-records.ts says how they are compared).
 * A program that returns different data fails the bench: its speed would mean nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exec } from "./exec.js";
import { compareRecords, recordsOf, type Comparison, type Row, type TableTruth } from "./peer-records.js";
import type { Api, Program } from "./peers.js";
import { simPages, simTables } from "./sim-api.js";
import { startSimProcess } from "./sim-process.js";

export interface PeerCheck {
  readonly program: Program;
  readonly comparison: Comparison;
}

/** Every row of every table, all columns, read straight from the API. */
async function apiTruth(api: Api): Promise<TableTruth[]> {
  const truth: TableTruth[] = [];
  for (const table of await simTables(api)) {
    const rows: Row[] = [];
    for await (const page of simPages(api, table.id, { fields: table.columns.map((c) => c.name), pageSize: 10_000 })) rows.push(...page);
    truth.push({ id: table.id, key: table.orderBy, rows });
  }
  return truth;
}

/** Runs each program over all tables of a simulator with `spendRows` spend rows, `pageSize` rows per page. */
export async function checkPeers(programs: readonly Program[], options: { spendRows: number; pageSize: number }): Promise<PeerCheck[]> {
  const sim = await startSimProcess(options.spendRows);
  const dir = mkdtempSync(join(tmpdir(), "ignite-peer-check-"));
  try {
    const truth = await apiTruth(sim);
    const streams = truth.map((t) => t.id);
    const checks: PeerCheck[] = [];
    for (const program of programs) {
      const { cmd, args, env } = await program.command(sim, streams, options.pageSize, dir);
      const run = await exec(cmd, args, { env, timeoutMs: 600_000 });
      if (run.code !== 0) throw new Error(`${program.label} failed in the pre-check (exit ${run.code}): ${run.stderr.slice(-2000)}`);
      checks.push({ program, comparison: compareRecords(truth, recordsOf(run.stdout, program.envelope), { absentMeansNull: program.dropsNulls }) });
    }
    return checks;
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per program; the differences of a program that failed follow its line. */
export function describeChecks(checks: readonly PeerCheck[]): string {
  const lines = ["Compared with the API's rows per stream and primary key, values exactly (timestamps as the text the API sent)."];
  for (const { program, comparison: c } of checks) {
    if (c.differenceCount > 0) {
      lines.push(`✗ ${program.label}: ${c.differenceCount} difference(s) from the API's rows:`, ...c.differences.map((d) => `    ${d}`));
    } else {
      const nulls = program.dropsNulls ? `; it leaves null fields out of its records (${c.absentNulls.toLocaleString("en-US")} here), compared as null` : "";
      lines.push(`✓ ${program.label}: ${c.records.toLocaleString("en-US")} records, the API's ids and values${nulls}`);
    }
  }
  return lines.join("\n");
}
