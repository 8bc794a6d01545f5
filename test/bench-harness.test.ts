import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LineCounter, runChild } from "../bench/child-run.js";
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

  it("LineCounter: exact counts and the same non-RECORD lines however the stream is cut into chunks", () => {
    const head = '{"type":"RECORD"';
    const lines = [
      `${head},"record":{"data":{"a":1}}}`,
      "",
      '{"type":"LOG","log":{"message":"blåbær ✓"}}',
      head, // exactly the head: a RECORD line as far as the counter can tell
      '{"type":"RECOR', // shorter than the head
      '{"type":"RECORDS","x":1}', // same first 15 bytes, not a RECORD
      `${head},"record":{"data":{"b":"${"x".repeat(40)}"}}}`,
      '{"type":"STATE"}',
    ];
    const text = Buffer.from(lines.join("\n") + "\n" + `${head},"record":{}`); // the last line has no newline
    const all = [...lines, `${head},"record":{}`];
    const want = { lines: all.length, records: all.filter((l) => l.startsWith(head)).length, other: all.filter((l) => !l.startsWith(head)) };
    expect(want.records).toBe(4);
    const count = (cuts: number[]): { lines: number; records: number; other: string[]; bytes: number } => {
      const seen: string[] = [];
      const c = new LineCounter((l) => seen.push(l));
      let at = 0;
      for (const cut of [...cuts, text.length]) {
        c.push(text.subarray(at, cut));
        at = cut;
      }
      c.finish();
      expect(seen).toEqual(c.other);
      return { lines: c.lines, records: c.records, other: c.other, bytes: c.bytes };
    };
    const expected = { ...want, bytes: text.length };
    expect(count([])).toEqual(expected);
    expect(count(Array.from({ length: text.length - 1 }, (_, i) => i + 1))).toEqual(expected); // byte by byte
    for (let i = 0; i <= text.length; i++) {
      for (let j = i; j <= text.length; j += 3) expect(count([i, j]), `cut at ${i} and ${j}`).toEqual(expected);
    }
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
