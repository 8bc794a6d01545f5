/**
 * The raw-download baseline (bench/raw-rows.ts) as a measured child process: the rows pages of one table,
 * fetched and dropped. It does not parse rows, so its page count is what says it fetched them all.
 */
import { join } from "node:path";
import { exitProblem, runChild, type ChildRun } from "./child-run.js";
import { DIST } from "./repo-paths.js";

const RAW_ROWS = join(DIST, "bench/raw-rows.js");

export async function runRawDownload(api: { url: string; token: string }, entity: string, pageSize: number, rows: number): Promise<{ run: ChildRun; bytes: number; problem: string | undefined }> {
  const run = await runChild(process.execPath, [RAW_ROWS, api.url, entity, String(pageSize)], { env: { ...process.env, BENCH_API_TOKEN: api.token } });
  const summary = run.otherLines[0] ? (JSON.parse(run.otherLines[0]) as { pages: number; bytes: number }) : undefined;
  const pages = Math.ceil(rows / pageSize);
  const problem = exitProblem(run) ?? (summary?.pages !== pages ? `${summary?.pages ?? 0} pages, expected ${pages}` : undefined);
  return { run, bytes: summary?.bytes ?? 0, problem };
}
