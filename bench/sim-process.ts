/**
 * The simulator for the benchmark, in its own process: generating pages and Parquet is CPU work that
 * must not share an event loop with the harness's output counter. Also the few API calls the harness
 * makes itself (variant switches, and fetching the files of an export the connector created so DuckDB
 * reads exactly those).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DIST } from "./repo-paths.js";

const SIM_MAIN = join(DIST, "simulator/main.js");

export interface SimProcess {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  setVariant(variant: Record<string, unknown>): Promise<void>;
  /** Downloads every file of an existing export into `dir`; returns the local paths in order. */
  downloadExport(exportId: string, dir: string): Promise<string[]>;
  close(): Promise<void>;
}

interface ExportStatus {
  status: string;
  files?: { url: string; name: string }[];
}

export async function startSimProcess(spendRows: number, extraArgs: readonly string[] = []): Promise<SimProcess> {
  // small other tables: the benchmark reads spend only, and the classification tables default to spend's size
  const args = [SIM_MAIN, "--port", "0", "--spend-rows", String(spendRows), "--business-units-rows", "100", "--spend-categories-rows", "100", "--export-delay-ms", "0", ...extraArgs];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).once("line", resolve);
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  const auth = { authorization: `Bearer ${token}` };

  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const r = await fetch(`${url}${path}`, init);
    if (!r.ok) throw new Error(`simulator ${init.method ?? "GET"} ${path.split("?")[0]}: HTTP ${r.status}`);
    return r;
  };

  return {
    url,
    token,
    pid: child.pid!,
    async setVariant(variant) {
      await call("/_sim/variant", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(variant) });
    },
    async downloadExport(exportId, dir) {
      const status = (await (await call(`/exports/${encodeURIComponent(exportId)}`, { headers: auth })).json()) as ExportStatus;
      if (status.status !== "succeeded" || !status.files) throw new Error(`export ${exportId} is ${status.status}, not downloadable`);
      const paths: string[] = [];
      for (const file of status.files) {
        const r = await fetch(file.url); // signed URL: no Authorization, as the API requires
        if (!r.ok || !r.body) throw new Error(`download of ${file.name}: HTTP ${r.status}`);
        const path = join(dir, file.name);
        await pipeline(Readable.fromWeb(r.body as import("node:stream/web").ReadableStream), createWriteStream(path));
        paths.push(path);
      }
      return paths;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
