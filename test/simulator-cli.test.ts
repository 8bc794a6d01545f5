import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { call, type RowsPage } from "./helpers/simulator-client.js";

const MAIN = new URL("../dist/simulator/main.js", import.meta.url).pathname;

describe("simulator CLI (built, child process)", () => {
  it("prints url and token first, serves the flags' variant and faults, exits on SIGTERM", async () => {
    const child = spawn(process.execPath, [
      MAIN, "--port", "0", "--seed", "42", "--spend-rows", "30", "--api-prefix", "/api/v2", "--last-page", "null",
      "--faults", JSON.stringify({ tables: { status: 503, times: 1 } }),
    ], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`exited ${code}`)));
      });
      const { url, token } = JSON.parse(first) as { url: string; token: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const sim = { url, token };
      expect((await call(sim, "/api/v2/tables/")).status).toBe(503);
      expect((await call(sim, "/api/v2/tables/")).status).toBe(200);
      const page = (await call(sim, "/api/v2/tables/spend/rows", { body: { pageSize: 100 } })).json as RowsPage;
      expect(page.data).toHaveLength(30);
      expect(page.nextPageToken).toBeNull();
      const adv = await call(sim, "/_sim/advance", { body: { steps: 1 }, token: null });
      expect(adv.status).toBe(200);
      const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("--help lists the variant and fault flags", async () => {
    const child = spawn(process.execPath, [MAIN, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    await new Promise((r) => child.once("exit", r));
    for (const flag of ["--spend-rows", "--faults", "--last-page", "--download-list", "--parquet-compression", "--legacy-next", "--label-suffix", "--retry-after", "--error-body"]) {
      expect(out).toContain(flag);
    }
  });
});
