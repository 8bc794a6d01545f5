/**
 * The runtime with small real Stream implementations (in-memory tables): statuses, states, record
 * counts, failures and interruption, all checked against the protocol rules.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { StreamRun } from "../source/catalog.js";
import { TransientError } from "../streams/contract/errors.js";
import type { ReadEmitter } from "../source/emitter.js";
import { createLogger, type RuntimeLogger } from "../source/logger.js";
import { OutputWriter } from "../source/output.js";
import { runRead, type RuntimeOptions } from "../source/read-runtime.js";
import { Redactor } from "../streams/contract/redact.js";
import { InputState, parseState } from "../source/state-input.js";
import { singerEmitter } from "../source/singer/emitter.js";
import type { Batch, ReadContext, RecordFraming, Stream, StreamOutput } from "../streams/contract/stream.js";
import { errorTraces, logLines, ofType, parseLines, readProblems, statusesOf } from "./helpers/protocol.js";

const enc = new TextEncoder();

function batch(rows: Record<string, unknown>[]): Batch {
  return {
    kind: "batch",
    count: rows.length,
    *encode(framing) {
      for (const row of rows) {
        yield framing.prefix;
        yield enc.encode(JSON.stringify(row));
        yield framing.suffix;
      }
    },
  };
}

function stream(name: string, read: (ctx: ReadContext) => AsyncIterable<StreamOutput>): Stream {
  return {
    name,
    descriptor: { name, json_schema: { type: "object", properties: { id: { type: "integer" } }, additionalProperties: true }, supported_sync_modes: ["full_refresh"] },
    read,
  };
}

/** A paged table: one batch + one checkpoint per page. */
function pagedStream(name: string, rows: number, pageSize: number, seen?: (ctx: ReadContext) => void): Stream {
  return stream(name, async function* (ctx) {
    seen?.(ctx);
    for (let start = 0; start < rows; start += pageSize) {
      const page = Array.from({ length: Math.min(pageSize, rows - start) }, (_, i) => ({ id: start + i }));
      yield batch(page);
      yield { kind: "checkpoint", state: { next: start + pageSize } };
    }
    yield { kind: "checkpoint", state: { done: true } };
  });
}

const run = (s: Stream): StreamRun => ({ ref: { name: s.name }, stream: s, syncMode: "full_refresh", selectedProperties: ["id"] });

async function execute(
  streams: Stream[],
  extra: Partial<RuntimeOptions> = {},
  rejected: Parameters<typeof runRead>[1] = [],
  emitterOf?: (out: OutputWriter, logger: RuntimeLogger, redactor: Redactor) => ReadEmitter,
) {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (c: Buffer) => chunks.push(c));
  const out = new OutputWriter(sink, { highWaterBytes: 4096 });
  const redactor = new Redactor().add("super-secret-token");
  const logger = createLogger(out, redactor, { debug: false });
  const options: RuntimeOptions = {
    out,
    logger,
    ...(emitterOf && { emitter: emitterOf(out, logger, redactor) }),
    redactor,
    state: InputState.empty(),
    concurrency: 2,
    signal: new AbortController().signal,
    now: () => Date.now(),
    ...extra,
  };
  const summary = await runRead(streams.map(run), rejected, options);
  await out.end();
  const stdout = Buffer.concat(chunks).toString("utf8");
  return { summary, stdout, messages: parseLines(stdout) };
}

describe("read runtime", () => {
  it("writes records, per-page states with exact recordCount, and STARTED/RUNNING/COMPLETE per stream", async () => {
    const { messages, summary } = await execute([pagedStream("a", 2500, 1000), pagedStream("b", 10, 3)]);
    expect(readProblems(messages, { exitCode: 0, configured: ["a", "b"] })).toEqual([]);
    expect(ofType(messages, "RECORD").filter((m) => m.record.stream === "a")).toHaveLength(2500);
    const statesA = ofType(messages, "STATE").filter((m) => m.state.stream.stream_descriptor.name === "a");
    expect(statesA.map((s) => s.state.sourceStats.recordCount)).toEqual([1000, 1000, 500, 0]);
    expect(statusesOf(messages, "b")).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    expect([...summary.outcomes.values()]).toEqual(["complete", "complete"]);
  });

  it("an empty stream still gets RUNNING and a final state", async () => {
    const { messages } = await execute([stream("empty", async function* () {})]);
    expect(statusesOf(messages, "empty")).toEqual(["STARTED", "RUNNING", "COMPLETE"]);
    const states = ofType(messages, "STATE");
    expect(states).toHaveLength(1);
    expect(states[0]!.state.stream.stream_state).toEqual({ __ab_no_cursor_state_message: true });
    expect(readProblems(messages, { exitCode: 0, configured: ["empty"] })).toEqual([]);
  });

  it("a failing stream ends INCOMPLETE with an ERROR trace and no completing state; the others complete", async () => {
    const failing = stream("bad", async function* () {
      yield batch([{ id: 1 }]);
      yield { kind: "checkpoint", state: { next: 1 } };
      yield batch([{ id: 2 }]);
      throw new TransientError("Ignite answered 503 for too long", { internal: "GET https://x/downloads/abc123/f.parquet?X-Amz-Signature=zz token super-secret-token" });
    });
    const { messages, summary } = await execute([failing, pagedStream("good", 5, 2)]);
    expect(readProblems(messages, { exitCode: 1, configured: ["bad", "good"] })).toEqual([]);
    expect(statusesOf(messages, "bad")).toEqual(["STARTED", "RUNNING", "INCOMPLETE"]);
    expect(statusesOf(messages, "good").at(-1)).toBe("COMPLETE");
    const [error] = errorTraces(messages);
    expect(error).toMatchObject({ failure_type: "transient_error", stream_descriptor: { name: "bad" }, message: "Ignite answered 503 for too long" });
    expect(JSON.stringify(error)).not.toMatch(/super-secret-token|abc123|X-Amz-Signature=zz/);
    const badStates = ofType(messages, "STATE").filter((m) => m.state.stream.stream_descriptor.name === "bad");
    expect(badStates.map((s) => s.state.stream.stream_state)).toEqual([{ next: 1 }]);
    expect(summary.outcomes.get("bad")).toBe("failed");
  });

  it("an unknown error is a system_error trace with the stream named", async () => {
    // eslint-disable-next-line require-yield -- a stream that fails before its first output
    const { messages } = await execute([stream("boom", async function* () { throw new RangeError("bug"); })]);
    expect(errorTraces(messages)[0]).toMatchObject({ failure_type: "system_error", stream_descriptor: { name: "boom" } });
    expect(statusesOf(messages, "boom")).toEqual(["STARTED", "INCOMPLETE"]);
  });

  it("drops a repeated state with no records between, but keeps one that follows records (and warns)", async () => {
    const s = stream("dup", async function* () {
      yield batch([{ id: 1 }]);
      yield { kind: "checkpoint", state: { c: 1 } };
      yield { kind: "checkpoint", state: { c: 1 } };
      yield batch([{ id: 2 }]);
      yield { kind: "checkpoint", state: { c: 1 } };
    });
    const { messages } = await execute([s]);
    expect(ofType(messages, "STATE").map((m) => m.state.sourceStats.recordCount)).toEqual([1, 1]);
    expect(ofType(messages, "LOG").some((m) => m.log.level === "WARN" && m.log.message.includes("repeated its previous state"))).toBe(true);
  });

  it("rate-limit storms become a few RUNNING statuses with RATE_LIMITED; estimates become ESTIMATE traces", async () => {
    const s = stream("slow", async function* (ctx) {
      ctx.events.estimate({ rows: 1234.4, bytes: 99 });
      for (let i = 0; i < 1000; i++) ctx.events.rateLimited(i === 0 ? 1_900_000_000_000 : 1_900_000_000_000 + i);
      yield batch([{ id: 1 }]);
      yield { kind: "checkpoint", state: { n: 1 } };
    });
    const { messages } = await execute([s]);
    const limited = ofType(messages, "TRACE").filter((m) => m.trace.type === "STREAM_STATUS" && m.trace.stream_status.reasons !== undefined);
    expect(limited).toHaveLength(1);
    expect(JSON.stringify(limited[0])).toContain('"rate_limited":{"quota_reset":1900000000000}');
    const estimate = ofType(messages, "TRACE").find((m) => m.trace.type === "ESTIMATE");
    expect(estimate?.trace).toMatchObject({ estimate: { name: "slow", type: "STREAM", row_estimate: 1234, byte_estimate: 99 } });
    expect(readProblems(messages, { exitCode: 0 })).toEqual([]);
  });

  it("passes saved state (name-only match) and the selection to the stream", async () => {
    let seen: ReadContext | undefined;
    const state = parseState([{ type: "STREAM", stream: { stream_descriptor: { name: "a" }, stream_state: { next: 7 } } }]);
    await execute([pagedStream("a", 1, 1, (ctx) => (seen = ctx))], { state });
    expect(seen?.state).toEqual({ next: 7 });
    expect(seen?.selectedProperties).toEqual(["id"]);
  });

  it("runs at most `concurrency` streams at once", async () => {
    let active = 0;
    let peak = 0;
    const slow = (name: string): Stream => stream(name, async function* () {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      yield { kind: "checkpoint", state: { ok: true } };
      active--;
    });
    await execute(["s1", "s2", "s3", "s4", "s5"].map(slow), { concurrency: 2 });
    expect(peak).toBe(2);
  });

  it("runs 16 streams at once without a listener-leak warning on the read's signal", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const names = Array.from({ length: 16 }, (_, i) => `s${i}`);
      const slow = (name: string): Stream => stream(name, async function* () {
        await new Promise((r) => setTimeout(r, 20));
        yield { kind: "checkpoint", state: { ok: true } };
      });
      const { summary } = await execute(names.map(slow), { concurrency: 16 });
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect([...summary.outcomes.values()].every((o) => o === "complete")).toBe(true);
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("reports rejected catalog streams as INCOMPLETE + ERROR without STARTED", async () => {
    const { ConfigError } = await import("../streams/contract/errors.js");
    const { messages } = await execute([pagedStream("a", 1, 1)], {}, [{ ref: { name: "ghost" }, error: new ConfigError("Stream 'ghost' does not exist") }]);
    expect(statusesOf(messages, "ghost")).toEqual(["INCOMPLETE"]);
    expect(errorTraces(messages)[0]).toMatchObject({ failure_type: "config_error", stream_descriptor: { name: "ghost" } });
    expect(readProblems(messages, { exitCode: 1, configured: ["a", "ghost"] })).toEqual([]);
  });

  it("stops on abort: the running stream ends INCOMPLETE, waiting streams never start", async () => {
    const controller = new AbortController();
    const hanging = stream("hang", async function* () {
      yield batch([{ id: 1 }]);
      controller.abort("SIGTERM");
      await new Promise(() => undefined); // blocked forever, like a stuck request
    });
    const { messages, summary } = await execute([hanging, pagedStream("later", 1, 1)], { signal: controller.signal, concurrency: 1, closeTimeoutMs: 300 });
    expect(statusesOf(messages, "hang")).toEqual(["STARTED", "RUNNING", "INCOMPLETE"]);
    expect(statusesOf(messages, "later")).toEqual(["INCOMPLETE"]);
    expect(summary.interrupted).toBe(true);
    expect(ofType(messages, "RECORD")).toHaveLength(1);
    // Its cleanup can never run (the step it is in never ends): the read goes on without it, and says so.
    expect(logLines(messages)).toContain("WARN Stream 'hang' did not finish cleaning up within 0.3 s; going on without waiting for it");
  });

  it("a later rate-limit wait (after the throttle gap) is reported again", async () => {
    let t = 1_000_000;
    const s = stream("later", async function* (ctx) {
      ctx.events.rateLimited();
      t += 11_000;
      ctx.events.rateLimited();
      yield { kind: "checkpoint", state: { n: 1 } };
    });
    const { messages } = await execute([s], { now: () => t });
    const limited = ofType(messages, "TRACE").filter((m) => m.trace.type === "STREAM_STATUS" && m.trace.stream_status.reasons !== undefined);
    expect(limited).toHaveLength(2);
    expect(statusesOf(messages, "later")).toEqual(["STARTED", "RUNNING", "RUNNING", "COMPLETE"]);
  });

  it("emitted_at is the real emission time of each batch", async () => {
    let t = 1_700_000_000_000;
    const s = stream("t", async function* () {
      yield batch([{ id: 1 }]);
      t += 5000;
      yield batch([{ id: 2 }]);
      yield { kind: "checkpoint", state: { x: 1 } };
    });
    const { messages } = await execute([s], { now: () => t });
    expect(ofType(messages, "RECORD").map((m) => m.record.emitted_at)).toEqual([1_700_000_000_000, 1_700_000_005_000]);
  });

  /** A stream that frames its first batch itself (ctx.recordFraming(), then 5 s pass) and not its second. */
  function preFramed(used: RecordFraming[], clock: { t: number }): Stream {
    return stream("f", async function* (ctx) {
      const framing = ctx.recordFraming();
      clock.t += 5000;
      const inner = batch([{ id: 1 }, { id: 2 }]);
      yield { kind: "batch", count: inner.count, framing, encode: (f) => (used.push(f), framing === f ? inner.encode(f) : []) } satisfies Batch;
      yield batch([{ id: 3 }]);
      yield { kind: "checkpoint", state: { x: 1 } };
    });
  }

  it("a batch the stream framed itself (Batch.framing from ctx.recordFraming()) is written with that framing; others get the runtime's", async () => {
    const clock = { t: 1_700_000_000_000 };
    const used: RecordFraming[] = [];
    const { messages } = await execute([preFramed(used, clock)], { now: () => clock.t });
    expect(used).toHaveLength(1);
    expect(ofType(messages, "RECORD").map((m) => [m.record.data, m.record.emitted_at])).toEqual([
      [{ id: 1 }, 1_700_000_000_000],
      [{ id: 2 }, 1_700_000_000_000],
      [{ id: 3 }, 1_700_000_005_000],
    ]);
    expect(readProblems(messages, { exitCode: 0 })).toEqual([]);
  });

  it("the same with the Singer emitter: ctx.recordFraming() is Singer's RECORD framing, time_extracted from when it was asked", async () => {
    const clock = { t: 1_700_000_000_000 };
    const used: RecordFraming[] = [];
    const emitter = (out: OutputWriter, logger: RuntimeLogger, redactor: Redactor): ReadEmitter =>
      singerEmitter({ out, logger, redactor, bookmarks: {}, schemas: new Map() });
    const { stdout } = await execute([preFramed(used, clock)], { now: () => clock.t }, [], emitter);
    const records = stdout.split("\n").filter((l) => l.includes('"RECORD"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual([
      { type: "RECORD", stream: "f", time_extracted: "2023-11-14T22:13:20.000Z", record: { id: 1 } },
      { type: "RECORD", stream: "f", time_extracted: "2023-11-14T22:13:20.000Z", record: { id: 2 } },
      { type: "RECORD", stream: "f", time_extracted: "2023-11-14T22:13:25.000Z", record: { id: 3 } },
    ]);
    expect(used).toHaveLength(1);
  });
});

describe("a stream's cleanup (its generator's finally) runs, and is awaited, however the stream stops", () => {
  /**
   * One batch and a state, then `then` (the way it stops). Its `finally` takes a while, as ending a
   * decode thread and closing temp files does, then logs and records that it ran.
   */
  function cleaningStream(name: string, done: string[], then: (ctx: ReadContext) => AsyncGenerator<StreamOutput>): Stream {
    return stream(name, async function* (ctx) {
      try {
        yield batch([{ id: 1 }]);
        yield { kind: "checkpoint", state: { n: 1 } };
        yield* then(ctx);
      } finally {
        await new Promise((r) => setTimeout(r, 100));
        ctx.logger.info(`${name}: cleaned up`);
        done.push(name);
      }
    });
  }
  /** The cleanup ran before runRead returned, and its log line came before the stream's last status. */
  function expectCleanedBeforeOutcome(messages: ReturnType<typeof parseLines>, done: string[], name: string, outcome: string): void {
    expect(done).toEqual([name]);
    const at = (pred: (m: (typeof messages)[number]) => boolean): number => messages.findIndex(pred);
    const cleaned = at((m) => m.type === "LOG" && m.log.message === `${name}: cleaned up`);
    const last = at((m) => m.type === "TRACE" && m.trace.type === "STREAM_STATUS" && m.trace.stream_status.status === outcome);
    expect(cleaned).toBeGreaterThanOrEqual(0);
    expect(last).toBeGreaterThan(cleaned);
  }

  it("(a) a batch whose encode throws: closed, cleaned up, then INCOMPLETE + ERROR", async () => {
    const done: string[] = [];
    const s = cleaningStream("enc", done, async function* () {
      yield {
        kind: "batch",
        count: 1,
        encode() {
          throw new TypeError("encoder bug");
        },
      } satisfies Batch;
      yield { kind: "checkpoint", state: { n: 2 } };
    });
    const { messages, summary } = await execute([s]);
    expectCleanedBeforeOutcome(messages, done, "enc", "INCOMPLETE");
    expect(summary.outcomes.get("enc")).toBe("failed");
    expect(errorTraces(messages)[0]).toMatchObject({ failure_type: "system_error", stream_descriptor: { name: "enc" } });
    expect(readProblems(messages, { exitCode: 1, configured: ["enc"] })).toEqual([]);
  });

  it("(b) a state that cannot be written (a BigInt in it): closed, cleaned up, then INCOMPLETE + ERROR", async () => {
    const done: string[] = [];
    const s = cleaningStream("state", done, async function* () {
      yield batch([{ id: 2 }]);
      yield { kind: "checkpoint", state: { n: 2n } };
      yield batch([{ id: 3 }]);
    });
    const { messages, summary } = await execute([s]);
    expectCleanedBeforeOutcome(messages, done, "state", "INCOMPLETE");
    expect(summary.outcomes.get("state")).toBe("failed");
    expect(ofType(messages, "RECORD")).toHaveLength(2);
    expect(readProblems(messages, { exitCode: 1, configured: ["state"] })).toEqual([]);
  });

  it("(c) an interrupt while the stream waits: its wait ends on the abort, it is cleaned up, then INCOMPLETE", async () => {
    const done: string[] = [];
    const controller = new AbortController();
    const s = cleaningStream("int", done, async function* (ctx) {
      setTimeout(() => controller.abort("SIGTERM"), 50);
      // a wait that honours the stream's signal, as a request or a download does
      await new Promise((_resolve, reject) => ctx.signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }));
      yield batch([{ id: 2 }]);
    });
    const { messages, summary } = await execute([s], { signal: controller.signal });
    expectCleanedBeforeOutcome(messages, done, "int", "INCOMPLETE");
    expect(summary.outcomes.get("int")).toBe("interrupted");
    expect(errorTraces(messages)).toEqual([]); // the interruption itself is reported once, by the command
  });

  it("(d) stdout closed under the read: the stream is closed and cleaned up before runRead returns", async () => {
    const done: string[] = [];
    const sink = new PassThrough();
    sink.resume();
    const out = new OutputWriter(sink, { highWaterBytes: 1 });
    const s = cleaningStream("pipe", done, async function* () {
      sink.destroy(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
      await new Promise((r) => setImmediate(r));
      yield batch([{ id: 2 }]);
      yield { kind: "checkpoint", state: { n: 2 } };
    });
    const redactor = new Redactor();
    const summary = await runRead([run(s)], [], {
      out,
      logger: createLogger(out, redactor, { debug: false }),
      redactor,
      state: InputState.empty(),
      concurrency: 1,
      signal: new AbortController().signal,
      now: () => Date.now(),
    });
    expect(out.error?.message).toBe("write EPIPE");
    expect(summary.outcomes.get("pipe")).toBe("interrupted");
    expect(done).toEqual(["pipe"]);
  });

  it("a cleanup that throws is logged; the outcome stays what it was", async () => {
    const s = stream("bad-finally", async function* () {
      try {
        yield batch([{ id: 1 }]);
        yield { kind: "checkpoint", state: { n: 1 } };
        yield { kind: "checkpoint", state: { n: 2n } };
      } finally {
        // eslint-disable-next-line no-unsafe-finally -- the case under test
        throw new Error("could not remove /tmp/x");
      }
    });
    const { messages, summary } = await execute([s]);
    expect(summary.outcomes.get("bad-finally")).toBe("failed");
    expect(logLines(messages)).toContain("WARN Stream 'bad-finally' failed while cleaning up: could not remove /tmp/x");
    expect(statusesOf(messages, "bad-finally")).toEqual(["STARTED", "RUNNING", "INCOMPLETE"]);
  });
});
