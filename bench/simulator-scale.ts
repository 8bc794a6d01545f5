/**
 * Simulator scale check (not a test): starts the built simulator as a child process with 1 M spend
 * rows, pages them through rows (pageSize 100000), then runs a 1 M-row Parquet export. Reports rows/s
 * and the server's peak RSS (VmHWM from /proc). Usage: npm run build && node dist/bench/simulator-scale.js [rows]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { DIST } from "./repo-paths.js";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const MAIN = join(DIST, "simulator/main.js");

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function post(url: string, token: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [MAIN, "--port", "0", "--spend-rows", String(ROWS), "--export-delay-ms", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
    const { url, token } = JSON.parse(line) as { url: string; token: string };
    const pid = child.pid!;
    console.log(`simulator pid ${pid}, spend rows ${ROWS}, RSS at start ${peakRssMb(pid)} MB`);

    let t0 = performance.now();
    let rows = 0;
    let bytes = 0;
    let pageToken: string | undefined;
    for (;;) {
      const r = await post(`${url}/tables/spend/rows`, token, pageToken ? { pageSize: 100_000, pageToken } : { pageSize: 100_000 });
      if (r.status !== 200) throw new Error(`rows ${r.status}`);
      bytes += r.text.length;
      const page = JSON.parse(r.text) as { data: unknown[]; nextPageToken?: string };
      rows += page.data.length;
      if (!page.nextPageToken) break;
      pageToken = page.nextPageToken;
    }
    let s = (performance.now() - t0) / 1000;
    console.log(`rows: ${rows} rows in ${s.toFixed(1)} s = ${Math.round(rows / s)} rows/s, ${(bytes / 1e6).toFixed(0)} MB JSON; server peak RSS ${peakRssMb(pid)} MB`);

    t0 = performance.now();
    const created = await post(`${url}/tables/spend/exports`, token, { format: "parquet" });
    const { id } = JSON.parse(created.text) as { id: string };
    let status: { status: string; files?: { sizeBytes: number; rowCount: number }[] };
    for (;;) {
      const r = await fetch(`${url}/exports/${id}`, { headers: { authorization: `Bearer ${token}` } });
      status = (await r.json()) as typeof status;
      if (status.status === "succeeded" || status.status === "failed") break;
      await new Promise((res) => setTimeout(res, 200));
    }
    s = (performance.now() - t0) / 1000;
    const files = status.files ?? [];
    const exported = files.reduce((a, f) => a + f.rowCount, 0);
    const size = files.reduce((a, f) => a + f.sizeBytes, 0);
    console.log(
      `parquet export: ${status.status}, ${exported} rows in ${files.length} files, ${(size / 1e6).toFixed(0)} MB, ${s.toFixed(1)} s = ${Math.round(exported / s)} rows/s; server peak RSS ${peakRssMb(pid)} MB`,
    );
  } finally {
    child.kill("SIGTERM");
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
