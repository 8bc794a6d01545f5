/**
 * The benchmark's results as Markdown: one table of measurements, the target ratios computed from runs
 * of the same invocation, and the README block between the bench markers.
 */
import { readFileSync, writeFileSync } from "node:fs";

export type Scenario = "export-zstd" | "export-snappy" | "export-json" | "duckdb" | "rows-100000" | "rows-default" | "raw-100000" | "raw-default";

export interface Measurement {
  readonly size: number;
  readonly scenario: Scenario;
  readonly label: string;
  readonly records: number;
  readonly wallS: number;
  /** Time spent waiting for the server to build the export (not the connector's work), else 0. */
  readonly waitS: number;
  /** Seconds from spawn to the first and the last RECORD line on stdout (connector runs). */
  readonly firstRecordS?: number;
  readonly lastRecordS?: number;
  /** Seconds from spawn to the first and the last line of any kind (DuckDB's bare rows). */
  readonly firstLineS?: number;
  readonly lastLineS?: number;
  /** Bytes of output (NDJSON / Airbyte messages) or, for the raw download, of response bodies. */
  readonly bytes: number;
  readonly peakRssMb: number | undefined;
  readonly cpuS: number | undefined;
  /** 1-minute load average when the run ended: the machine is shared, so this says how noisy it was. */
  readonly load: number;
  readonly problem?: string;
}

export const TARGETS = { exportVsDuckdb: 1.5, rowsVsRaw: 1.1, peakRssMb: 350 } as const;

/**
 * The headline clock: a connector run from its first RECORD line to its exit (what it takes once records
 * flow, teardown included); a baseline (DuckDB, the raw download) is timed as its whole process.
 */
export const clockS = (m: Measurement): number => Math.max(m.firstRecordS === undefined ? m.wallS : m.wallS - m.firstRecordS, 1e-9);
/** The clock the benchmark used before: from the file list (end of the server wait) to exit. */
const afterWaitS = (m: Measurement): number => Math.max(m.wallS - m.waitS, 1e-9);
export const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const sizeLabel = (n: number): string => (n % 1_000_000 === 0 ? `${n / 1_000_000} M` : n % 1000 === 0 ? `${n / 1000} k` : String(n));

export function measurementTable(ms: readonly Measurement[]): string {
  const lines = [
    "| rows | path | records | wall s | server wait s | first record → exit s | records/s, first record → exit | records/s, file list → exit | output MB/s | peak RSS MB | CPU s | load |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const m of ms) {
    const flag = m.problem ? ` ⚠ ${m.problem}` : "";
    const old = m.waitS > 0 ? fmt(m.records / afterWaitS(m)) : "–";
    lines.push(
      `| ${sizeLabel(m.size)} | ${m.label}${flag} | ${fmt(m.records)} | ${fmt(m.wallS, 1)} | ${m.waitS > 0 ? fmt(m.waitS, 1) : "–"} | ${fmt(clockS(m), 2)} | **${fmt(m.records / clockS(m))}** | ${old} | ${fmt(m.bytes / 1e6 / clockS(m), 1)} | ${fmt(m.peakRssMb)} | ${fmt(m.cpuS, 1)} | ${fmt(m.load, 1)} |`,
    );
  }
  return lines.join("\n");
}

/**
 * Where the clocks differ, per export run: the server wait (spawn → file list), then until the first
 * record (download, the first row group's decode), the records, and the last record to exit (final
 * state, teardown). DuckDB has no file list: its start-up runs from spawn to its first line.
 */
export function clockTable(ms: readonly Measurement[]): string {
  const lines = [
    "| rows | path | server wait s | → first record s | first → last record s | last record → exit s | whole process s |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  const span = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? "–" : fmt(b - a, 2));
  for (const m of ms) {
    if (!m.scenario.startsWith("export") && m.scenario !== "duckdb") continue;
    const first = m.firstRecordS ?? m.firstLineS;
    const last = m.lastRecordS ?? m.lastLineS;
    lines.push(`| ${sizeLabel(m.size)} | ${m.label} | ${m.waitS > 0 ? fmt(m.waitS, 2) : "–"} | ${span(m.waitS, first)} | ${span(first, last)} | ${span(last, m.wallS)} | ${fmt(m.wallS, 2)} |`);
  }
  return lines.join("\n");
}

interface Ratio {
  readonly name: string;
  readonly value: number | undefined;
  /** Absent: shown for reference, with no target to meet. */
  readonly target?: string;
  readonly met?: boolean | undefined;
}

function ratiosFor(size: number, ms: readonly Measurement[]): Ratio[] {
  const get = (s: Scenario): Measurement | undefined => ms.find((m) => m.size === size && m.scenario === s && !m.problem);
  const out: Ratio[] = [];
  const ex = get("export-zstd"), duck = get("duckdb");
  const perSecond = (m: Measurement, clock: (m: Measurement) => number): number => m.records / clock(m);
  const r = ex && duck ? perSecond(ex, clockS) / perSecond(duck, clockS) : undefined;
  out.push({ name: "export Parquet zstd records/s (first record → exit) ÷ DuckDB records/s (whole process)", value: r, target: `≥ ${TARGETS.exportVsDuckdb.toFixed(2)}`, met: r === undefined ? undefined : r >= TARGETS.exportVsDuckdb });
  out.push({ name: "the same, export timed from its file list (the clock used before)", value: ex && duck ? perSecond(ex, afterWaitS) / perSecond(duck, clockS) : undefined });
  const cpu = ex?.cpuS !== undefined && duck?.cpuS !== undefined ? ex.cpuS / duck.cpuS : undefined;
  out.push({ name: "export Parquet zstd CPU s ÷ DuckDB CPU s (whole processes)", value: cpu });
  for (const ps of ["100000", "default"] as const) {
    const rows = get(`rows-${ps}`), raw = get(`raw-${ps}`);
    const v = rows && raw ? rows.wallS / raw.wallS : undefined;
    out.push({ name: `rows (page_size ${ps}) time ÷ raw download time`, value: v, target: `≤ ${TARGETS.rowsVsRaw.toFixed(2)}`, met: v === undefined ? undefined : v <= TARGETS.rowsVsRaw });
  }
  for (const path of ["export", "rows"] as const) {
    const runs = ms.filter((m) => m.size === size && m.scenario.startsWith(path) && m.peakRssMb !== undefined);
    const worst = runs.reduce<Measurement | undefined>((a, m) => (a && (a.peakRssMb ?? 0) >= (m.peakRssMb ?? 0) ? a : m), undefined);
    out.push({
      name: `${path} path peak RSS, worst run${worst ? ` (${worst.label})` : ""}`,
      value: worst?.peakRssMb,
      target: `≤ ${TARGETS.peakRssMb} MB`,
      met: worst?.peakRssMb === undefined ? undefined : worst.peakRssMb <= TARGETS.peakRssMb,
    });
  }
  return out;
}

export function ratioTable(ms: readonly Measurement[]): string {
  const sizes = [...new Set(ms.map((m) => m.size))];
  const lines = ["| rows | ratio | value | target | met |", "| ---: | --- | ---: | --- | --- |"];
  for (const size of sizes)
    for (const r of ratiosFor(size, ms)) {
      const value = r.value === undefined ? "–" : r.name.includes("RSS") ? `${fmt(r.value)} MB` : fmt(r.value, 2);
      const met = r.target === undefined ? "–" : r.met === undefined ? "not measured" : r.met ? "yes" : "**no**";
      lines.push(`| ${sizeLabel(size)} | ${r.name} | ${value} | ${r.target ?? "(reference)"} | ${met} |`);
    }
  return lines.join("\n");
}

/** Every ratio that was measured and missed its target, for the closing summary. */
export function missedTargets(ms: readonly Measurement[]): string[] {
  const sizes = [...new Set(ms.map((m) => m.size))];
  return sizes.flatMap((size) => ratiosFor(size, ms).filter((r) => r.met === false).map((r) => `${sizeLabel(size)}: ${r.name} = ${r.name.includes("RSS") ? `${fmt(r.value)} MB` : fmt(r.value, 2)} (target ${r.target})`));
}

/**
 * Replaces the text between the `<!-- name:start -->` and `<!-- name:end -->` markers; refuses (returns false)
 * when the markers are missing.
 */
export function replaceReadmeBlock(readmePath: string, body: string, name = "bench"): boolean {
  const open = `<!-- ${name}:start -->`;
  const text = readFileSync(readmePath, "utf8");
  const start = text.indexOf(open);
  const end = text.indexOf(`<!-- ${name}:end -->`, start);
  if (start === -1 || end === -1) return false;
  writeFileSync(readmePath, `${text.slice(0, start + open.length)}\n${body.trim()}\n${text.slice(end)}`);
  return true;
}
