/**
 * The memory budget's parts on their own: the limit as read from cgroup files (real files, in trees laid
 * out as a host, a container and a hybrid v1/v2 machine show them), the arithmetic, the stream costs, the
 * shared reservation, and the watchdog's stop. test/memory-limit.test.ts runs the whole under a real cgroup.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planBudget, STOP_FRACTION, STOP_MARGIN_BYTES, PROCESS_HEADROOM_BYTES } from "../source/memory-budget.js";
import { anonymousRssBytes, readMemoryLimits } from "../source/memory-limit.js";
import { SharedMemoryBudget } from "../source/memory-share.js";
import { MemoryLimitError, watchMemory } from "../source/memory-watchdog.js";
import { EXPORT_STREAM_BYTES } from "../streams/export/export-path.js";
import { MIN_PAGE_ROWS, pageSizeWithin, rowBytes, rowsStreamBytes } from "../streams/rows/memory-cost.js";

const MB = 1024 * 1024;
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A fake root with these files (paths as the process would see them). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "ignite-cgroup-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const V2_MOUNT = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
const V1_MEMORY_MOUNT = (root: string): string => `35 31 0:32 ${root} /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n`;

describe("reading the memory limit", () => {
  it("cgroup v2 in a container: its own cgroup is the mount's root", () => {
    const root = tree({
      "/proc/self/cgroup": "0::/\n",
      "/proc/self/mountinfo": V2_MOUNT,
      "/sys/fs/cgroup/memory.max": "314572800\n",
    });
    expect(readMemoryLimits(root).cgroupBytes).toBe(300 * MB);
  });

  it("cgroup v2 on a host: the lowest limit on the path up from the process's cgroup", () => {
    const root = tree({
      "/proc/self/cgroup": "0::/system.slice/job.service\n",
      "/proc/self/mountinfo": V2_MOUNT,
      "/sys/fs/cgroup/system.slice/job.service/memory.max": "max\n",
      "/sys/fs/cgroup/system.slice/memory.max": String(512 * MB),
    });
    expect(readMemoryLimits(root).cgroupBytes).toBe(512 * MB);
  });

  it("cgroup v1, nested (as here), and v1 in a container that sees only its own cgroup", () => {
    const nested = tree({
      "/proc/self/cgroup": "4:memory:/process_api/abc/test\n0::/\n",
      "/proc/self/mountinfo": V1_MEMORY_MOUNT("/") + "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
      "/sys/fs/cgroup/memory/process_api/abc/test/memory.limit_in_bytes": String(300 * MB),
      "/sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": "9223372036854771712",
      "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712",
    });
    expect(readMemoryLimits(nested).cgroupBytes).toBe(300 * MB);
    const container = tree({
      "/proc/self/cgroup": "7:memory,hugetlb:/docker/0123abcd\n",
      "/proc/self/mountinfo": V1_MEMORY_MOUNT("/docker/0123abcd"),
      "/sys/fs/cgroup/memory/memory.limit_in_bytes": String(1024 * MB),
    });
    expect(readMemoryLimits(container).cgroupBytes).toBe(1024 * MB);
  });

  it("no limit anywhere (v1's huge number, v2's max, no cgroup files at all): only the heap limit", () => {
    const layouts: Record<string, string>[] = [
      { "/proc/self/cgroup": "4:memory:/\n", "/proc/self/mountinfo": V1_MEMORY_MOUNT("/"), "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712" },
      { "/proc/self/cgroup": "0::/\n", "/proc/self/mountinfo": V2_MOUNT, "/sys/fs/cgroup/memory.max": "max" },
      {},
    ];
    for (const files of layouts) {
      const limits = readMemoryLimits(tree(files));
      expect(limits.cgroupBytes).toBeUndefined();
      expect(limits.heapLimitBytes).toBeGreaterThan(16 * MB);
    }
  });

  it("anonymous RSS from /proc/self/status, the whole RSS without it", () => {
    expect(anonymousRssBytes(tree({ "/proc/self/status": "VmRSS:\t  90000 kB\nRssAnon:\t   40960 kB\nRssFile:\t 49040 kB\n" }))).toBe(40 * MB);
    expect(anonymousRssBytes(tree({}))).toBe(process.memoryUsage.rss());
  });
});

describe("the budget", () => {
  it("with a cgroup limit: stops at 85 % of it, at least 64 MB below; the streams share what is left", () => {
    const small = planBudget({ cgroupBytes: 300 * MB, heapLimitBytes: 225 * MB }, 36 * MB);
    expect(small.source).toBe("cgroup");
    expect(small.stopRssBytes).toBe(300 * MB - STOP_MARGIN_BYTES);
    expect(small.streamBytes).toBe(300 * MB - STOP_MARGIN_BYTES - 36 * MB - PROCESS_HEADROOM_BYTES);
    const big = planBudget({ cgroupBytes: 4096 * MB, heapLimitBytes: 3072 * MB }, 36 * MB);
    expect(big.stopRssBytes).toBe(Math.floor(4096 * MB * STOP_FRACTION));
  });

  it("without one: the heap limit is the budget, and only the heap is watched", () => {
    const budget = planBudget({ heapLimitBytes: 256 * MB }, 30 * MB);
    expect(budget.source).toBe("heap");
    expect(budget.stopRssBytes).toBeUndefined();
    expect(budget.stopHeapBytes).toBe(Math.floor(256 * MB * STOP_FRACTION));
  });

  it("leaves the streams something to share however tight the limit is", () => {
    expect(planBudget({ cgroupBytes: 128 * MB, heapLimitBytes: 96 * MB }, 60 * MB).streamBytes).toBeGreaterThan(0);
  });
});

describe("stream costs", () => {
  const spendLike = [
    ...Array.from({ length: 9 }, (_, i) => ({ source: `string_col_${i}`, dataType: "STRING" })),
    { source: "amount", dataType: "MONETARY_AMOUNT" },
    { source: "updated_at", dataType: "TIMESTAMP" },
    { source: "invoice_date", dataType: "DATE" },
  ];

  it("pages get smaller to fit a share, never below the floor, never above the configured size", () => {
    const perRow = rowBytes(spendLike);
    expect(pageSizeWithin(rowsStreamBytes(10_000, perRow), 100_000, perRow)).toBe(10_000);
    expect(pageSizeWithin(1024 * MB, 10_000, perRow)).toBe(10_000);
    expect(pageSizeWithin(1, 10_000, perRow)).toBe(MIN_PAGE_ROWS);
    expect(rowsStreamBytes(pageSizeWithin(20 * MB, 100_000, perRow), perRow)).toBeLessThanOrEqual(20 * MB);
  });

  it("an export stream costs more than a default rows stream", () => {
    expect(EXPORT_STREAM_BYTES).toBeGreaterThan(rowsStreamBytes(10_000, rowBytes(spendLike)));
  });
});

describe("the shared budget", () => {
  const quiet = { info: () => undefined };

  it("lets streams hold memory side by side while it fits, then makes the next one wait, first come first served", async () => {
    const share = new SharedMemoryBudget(100 * MB, 4, quiet);
    expect(share.perStreamBytes).toBe(25 * MB);
    const signal = new AbortController().signal;
    const a = await share.reserve(60 * MB, "a", signal);
    const b = await share.reserve(30 * MB, "b", signal);
    const order: string[] = [];
    const c = share.reserve(50 * MB, "c", signal).then((release) => (order.push("c"), release));
    const d = share.reserve(5 * MB, "d", signal).then((release) => (order.push("d"), release));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]); // d would fit, but c came first
    a();
    (await c)();
    (await d)();
    expect(order).toEqual(["c", "d"]);
    b();
    expect(share.heldBytes).toBe(0);
  });

  it("never makes a stream wait when nothing is held, even one that needs more than the budget", async () => {
    const share = new SharedMemoryBudget(100 * MB, 1, quiet);
    const release = await share.reserve(500 * MB, "big", new AbortController().signal);
    expect(share.heldBytes).toBe(500 * MB);
    release();
    release(); // twice is once
    expect(share.heldBytes).toBe(0);
  });

  it("a waiting stream that is stopped leaves the queue, and the one behind it may go", async () => {
    const share = new SharedMemoryBudget(100 * MB, 2, quiet);
    const hold = await share.reserve(80 * MB, "a", new AbortController().signal);
    const stop = new AbortController();
    const waiting = share.reserve(50 * MB, "b", stop.signal);
    const small = share.reserve(10 * MB, "c", new AbortController().signal);
    stop.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
    (await small)();
    hold();
    expect(share.heldBytes).toBe(0);
  });
});

describe("the watchdog", () => {
  const budget = planBudget({ cgroupBytes: 300 * MB, heapLimitBytes: 4096 * MB }, 30 * MB);

  it("stops the read with a MemoryLimitError when anonymous RSS passes the mark, and says what to do", async () => {
    let rss = 100 * MB;
    const warnings: string[] = [];
    const watch = watchMemory(budget, { logger: { warn: (m) => warnings.push(m) }, sampleMs: 5, anonymousRss: () => rss, heapUsed: () => 0 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(watch.signal.aborted).toBe(false);
      rss = budget.stopRssBytes! + MB;
      await new Promise((resolve) => watch.signal.addEventListener("abort", resolve, { once: true }));
      const error = watch.signal.reason as MemoryLimitError;
      expect(error).toBeInstanceOf(MemoryLimitError);
      expect(error.failureType).toBe("transient_error");
      expect(error.message).toBe(
        "Memory limit of 300 MB (cgroup) nearly reached: 237 MB in use, the read stops at 236 MB; stopped reading before the process is killed. " +
          "Resume from the last state; lower max_concurrent_streams or page_size, or raise the memory limit.",
      );
      expect(warnings).toEqual([error.message]);
    } finally {
      watch.stop();
    }
  });

  it("stops when the heap stays above its mark, not when it passes it for a moment (garbage about to be collected)", async () => {
    const heapBudget = planBudget({ heapLimitBytes: 256 * MB }, 30 * MB);
    let heap = heapBudget.stopHeapBytes + MB;
    const watch = watchMemory(heapBudget, { logger: { warn: () => undefined }, sampleMs: 5, heapUsed: () => heap, heapHoldMs: 100 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 40));
      heap = 10 * MB; // collected
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(watch.signal.aborted).toBe(false);
      heap = heapBudget.stopHeapBytes + MB;
      await new Promise((resolve) => watch.signal.addEventListener("abort", resolve, { once: true }));
      expect((watch.signal.reason as Error).message).toMatch(/^V8 heap limit of 256 MB nearly reached: 219 MB of heap in use for 0 s, the read stops at 218 MB;/);
    } finally {
      watch.stop();
    }
  });
});
