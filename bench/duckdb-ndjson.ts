/**
 * The DuckDB reference (a child process of `npm run bench`): one thread, Parquet files → NDJSON on
 * stdout, the same job the connector's export path does minus the Airbyte envelope.
 *
 *   node dist/bench/duckdb-ndjson.js <file.parquet>...
 *
 * DuckDB cannot open /dev/stdout when stdout is a socket (Node's child stdio is a socketpair: "No such
 * device or address"), so it writes into a FIFO that `cat` copies to our stdout.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

const files = process.argv.slice(2);
if (files.length === 0) throw new Error("usage: duckdb-ndjson.js <file.parquet>...");
const dir = mkdtempSync(join(tmpdir(), "ignite-bench-duck-"));
const fifo = join(dir, "out.ndjson");
try {
  execFileSync("mkfifo", [fifo]);
  const cat = spawn("cat", [fifo], { stdio: ["ignore", "inherit", "inherit"] });
  const catDone = new Promise<number | null>((resolve) => cat.once("close", resolve));
  const db = await DuckDBInstance.create(":memory:", { threads: "1" });
  const con = await db.connect();
  await con.run("SET threads=1");
  const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(", ");
  await con.run(`COPY (SELECT * FROM read_parquet([${list}])) TO '${fifo}' (FORMAT json)`);
  con.closeSync();
  const code = await catDone;
  if (code !== 0) throw new Error(`cat exited with ${code}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
