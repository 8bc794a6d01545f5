/** The single stdout writer and the logger: backpressure, ordering, redaction. */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../source/logger.js";
import type { AirbyteMessage } from "../source/messages.js";
import { OutputWriter } from "../source/output.js";
import { Redactor } from "../streams/contract/redact.js";
import { parseLines } from "./helpers/protocol.js";

const enc = new TextEncoder();

describe("output writer", () => {
  it("waits for 'drain' when the consumer is slow and loses nothing", async () => {
    const sink = new PassThrough({ highWaterMark: 1024 });
    const out = new OutputWriter(sink, { highWaterBytes: 2048 });
    let resolved = false;
    const line = enc.encode(`${"x".repeat(500)}\n`);
    for (let i = 0; i < 10; i++) out.enqueue(line);
    const p = out.flush().then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false); // nobody reads: the write is held by backpressure
    const got: Buffer[] = [];
    sink.on("data", (c: Buffer) => got.push(c));
    await p;
    await out.end();
    expect(Buffer.concat(got).length).toBe(5010);
  });

  it("redacts registered secrets and signed URLs in LOG messages", async () => {
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on("data", (c: Buffer) => got.push(c));
    const out = new OutputWriter(sink);
    const logger = createLogger(out, new Redactor().add("tok_1234567890"), { debug: false });
    logger.info("using tok_1234567890 to fetch https://cdn.example.com/f.parquet?X-Amz-Signature=abc&X-Amz-Credential=def");
    logger.info("download http://127.0.0.1:9/downloads/s3cr3tT0k3n/part-1.parquet");
    logger.debug("hidden");
    await out.end();
    const text = Buffer.concat(got).toString();
    expect(text).not.toMatch(/tok_1234567890|X-Amz-Signature=abc|s3cr3tT0k3n|hidden/);
    expect(parseLines(text) as AirbyteMessage[]).toHaveLength(2);
  });
});

describe("redactor", () => {
  it("masks signed query strings and download tokens but keeps the host for debugging", async () => {
    const { redactUrl } = await import("../streams/contract/redact.js");
    expect(redactUrl("https://bucket.s3.amazonaws.com/a/part-1.parquet?X-Amz-Signature=abc")).toBe("https://bucket.s3.amazonaws.com/a/part-1.parquet?****");
    expect(redactUrl("https://x.blob.core.windows.net/c/f?sv=2020&sig=abc")).toBe("https://x.blob.core.windows.net/c/f?****");
    expect(redactUrl("http://127.0.0.1:1/downloads/tok123/part-1.parquet")).toBe("http://127.0.0.1:1/downloads/****/part-1.parquet");
    expect(redactUrl("https://api.example.com/tables/?page=2")).toBe("https://api.example.com/tables/?page=2");
    expect(new Redactor().redact("Authorization: Bearer abcdefghijklmnop")).toBe("Authorization: Bearer ****");
  });

  it("writes every message as one line, in order, under many concurrent small sends", async () => {
    const sink = new PassThrough({ highWaterMark: 64 });
    const got: Buffer[] = [];
    sink.on("data", (c: Buffer) => got.push(c));
    const out = new OutputWriter(sink, { highWaterBytes: 256 });
    const logger = createLogger(out, new Redactor(), { debug: true });
    for (let i = 0; i < 2000; i++) {
      logger.debug(`line ${i} with "quotes" and a\nnewline`);
      if (i % 100 === 0) await out.maybeFlush();
    }
    await out.end();
    const messages = parseLines(Buffer.concat(got).toString()) as AirbyteMessage[];
    expect(messages.map((m) => (m.type === "LOG" ? m.log.message.split(" ")[1] : "")).map(Number)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });
});

describe("logger levels and progress", () => {
  it("prints DEBUG only when debug is on (LOG_LEVEL=debug)", async () => {
    const { debugFromEnv } = await import("../source/logger.js");
    expect(debugFromEnv({ LOG_LEVEL: "DEBUG" })).toBe(true);
    expect(debugFromEnv({ LOG_LEVEL: "info" })).toBe(false);
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on("data", (c: Buffer) => got.push(c));
    const out = new OutputWriter(sink);
    createLogger(out, new Redactor(), { debug: true }).debug("visible");
    createLogger(out, new Redactor(), { debug: false }).debug("invisible");
    await out.end();
    const text = Buffer.concat(got).toString();
    expect(text).toContain('"level":"DEBUG","message":"visible"');
    expect(text).not.toContain("invisible");
  });

  it("draws a progress line only on a terminal", async () => {
    const { createProgress } = await import("../source/progress.js");
    const writes: string[] = [];
    const fakeStderr = (isTTY: boolean) => ({ isTTY, columns: 80, write: (s: string) => writes.push(s) }) as unknown as NodeJS.WriteStream;
    const pipe = createProgress(fakeStderr(false), 5);
    pipe.update(new Map([["spend", 10]]));
    await new Promise((r) => setTimeout(r, 30));
    pipe.stop();
    expect(writes).toEqual([]);
    const tty = createProgress(fakeStderr(true), 5);
    tty.update(new Map([["spend", 12345]]));
    await new Promise((r) => setTimeout(r, 30));
    tty.stop();
    expect(writes.join("")).toContain("12,345 records");
    expect(writes.at(-1)).toBe("\n");
  });
});

describe("large and mixed chunks", () => {
  it("passes big encoded chunks through and keeps byte order with small ones around them", async () => {
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on("data", (c: Buffer) => got.push(c));
    const out = new OutputWriter(sink, { highWaterBytes: 1 << 20 });
    const expected: number[] = [];
    const piece = (n: number, size: number): Uint8Array => {
      const b = new Uint8Array(size).fill(n % 251);
      expected.push(...[n % 251, size]);
      return b;
    };
    for (let i = 0; i < 200; i++) {
      out.enqueue(piece(i, i % 7 === 0 ? 100_000 : 37));
      await out.maybeFlush();
    }
    await out.end();
    const all = Buffer.concat(got);
    let at = 0;
    for (let k = 0; k < expected.length; k += 2) {
      const [value, size] = [expected[k]!, expected[k + 1]!];
      expect(all.subarray(at, at + size).every((b) => b === value)).toBe(true);
      at += size;
    }
    expect(at).toBe(all.length);
  });
});
