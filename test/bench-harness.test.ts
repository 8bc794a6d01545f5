import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runChild } from "../bench/child-run.js";
import { replaceReadmeBlock } from "../bench/report.js";

describe("bench harness", () => {
  it("counts bytes, lines and RECORD lines of a real child, even when lines are split across writes", async () => {
    // RECORD heads cut mid-prefix between writes, a LOG line, and a last line without a newline
    const script = `
      // the pause lets the parent read each piece on its own, so the split really reaches the counter
      const w = (s) => new Promise((r) => process.stdout.write(s, () => setTimeout(r, 30)));
      (async () => {
        await w('{"type":"REC'); await w('ORD","record":{"data":{"a":1}}}\\n{"type":"LOG","log":{"message":"export 1 created"}}\\n');
        let many = '';
        for (let i = 0; i < 998; i++) many += '{"type":"RECORD","record":{"data":{"a":' + i + '}}}\\n';
        await w(many); await w('{"type":"RECORD","rec'); await w('ord":{"data":{}}}\\n');
        await w('{"type":"STATE"}');
      })();`;
    const run = await runChild(process.execPath, ["-e", script], { readyWhen: "created" });
    expect(run.exitCode).toBe(0);
    expect(run.records).toBe(1000);
    expect(run.lines).toBe(1002);
    expect(run.otherLines).toEqual(['{"type":"LOG","log":{"message":"export 1 created"}}', '{"type":"STATE"}']);
    expect(run.bytes).toBeGreaterThan(1000 * 30);
    expect(run.readyS).toBeGreaterThan(0);
    expect(run.peakRssMb).toBeGreaterThan(10);
  });

  it("reports a failing child's exit code and stderr", async () => {
    const run = await runChild(process.execPath, ["-e", "console.error('boom'); process.exit(3)"]);
    expect(run.exitCode).toBe(3);
    expect(run.records).toBe(0);
    expect(run.stderrTail).toContain("boom");
  });

  it("replaces only the text between the bench markers", () => {
    const file = join(mkdtempSync(join(tmpdir(), "bench-readme-")), "README.md");
    writeFileSync(file, "# T\n\n<!-- bench:start -->\nold\n<!-- bench:end -->\n\nafter\n");
    expect(replaceReadmeBlock(file, "| new |")).toBe(true);
    expect(readFileSync(file, "utf8")).toBe("# T\n\n<!-- bench:start -->\n| new |\n<!-- bench:end -->\n\nafter\n");
    writeFileSync(file, "no markers\n");
    expect(replaceReadmeBlock(file, "x")).toBe(false);
    expect(readFileSync(file, "utf8")).toBe("no markers\n");
  });
});
