/**
 * Ground truth for tests that run the connector through someone else's tool (a container,
 * PyAirbyte, Meltano): the simulator's own row counts, read straight from its HTTP API so that they
 * do not depend on any connector code. The API calls are bench/sim-api.ts, which the peers pre-check uses too.
 */
import { simPages, simTables as tablesOf, type SimTable } from "../../bench/sim-api.js";

export type { SimTable };

export async function simTables(url: string, token: string): Promise<SimTable[]> {
  return tablesOf({ url, token });
}

/** Rows the simulator serves for `entity` now (optionally filtered), counted page by page. */
export async function simCount(url: string, token: string, table: SimTable, filters?: Record<string, Record<string, unknown>>): Promise<number> {
  const key = table.orderBy[0] ?? table.columns[0]!.name;
  const request = { fields: [key], pageSize: 100_000, ...(filters ? { filters } : {}) };
  let count = 0;
  for await (const page of simPages({ url, token }, table.id, request)) count += page.length;
  return count;
}

export interface SimProcess {
  url: string;
  token: string;
  /** Moves the simulator's clock: each step inserts, updates and deletes rows. */
  advance(steps: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The built simulator as a child process (`node dist/simulator/main.js --port 0 …`), driven only
 * through its documented first stdout line and /_sim/ admin routes.
 */
export async function spawnSimulator(repo: string, args: readonly string[] = []): Promise<SimProcess> {
  const { spawn } = await import("node:child_process");
  const { join } = await import("node:path");
  const child = spawn(process.execPath, [join(repo, "dist/simulator/main.js"), "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-4000)));
  const first = await new Promise<string>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`simulator did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.on("exit", (code) => reject(new Error(`simulator exited with ${code}: ${stderr}`)));
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  return {
    url,
    token,
    async advance(steps) {
      const res = await fetch(new URL("/_sim/advance", url), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ steps }),
      });
      if (!res.ok) throw new Error(`advance: HTTP ${res.status} ${await res.text()}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
