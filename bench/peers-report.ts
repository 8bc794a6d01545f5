/** The peers benchmark as Markdown: one table with ratios to this connector, and the README block around it. */
import { fmt } from "./report.js";

export interface PeerMeasurement {
  readonly id: string;
  readonly label: string;
  readonly records: number;
  readonly wallS: number;
  readonly peakRssMb: number | undefined;
  readonly cpuS: number | undefined;
  /** 1-minute load average when the run ended: the machine is shared, so this says how noisy it was. */
  readonly load: number;
  readonly problem?: string;
}

const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined || b === 0 ? "–" : `${fmt(a / b, 2)}×`);
const perSecond = (m: PeerMeasurement): number => m.records / Math.max(m.wallS, 1e-9);

const COLUMNS = ["program", "records", "wall s", "records/s", "peak RSS MB", "CPU s", "records/s ÷ connector's", "CPU s ÷ connector's", "peak RSS ÷ connector's", "load"];

export function peersTable(ms: readonly PeerMeasurement[]): string {
  const ref = ms.find((m) => m.id === "connector" && !m.problem);
  const rows = ms.map((m) => [
    m.problem ? `${m.label} ⚠ ${m.problem}` : m.label,
    fmt(m.records),
    fmt(m.wallS, 1),
    fmt(perSecond(m)),
    fmt(m.peakRssMb),
    fmt(m.cpuS, 1),
    ratio(perSecond(m), ref && perSecond(ref)),
    ratio(m.cpuS, ref?.cpuS),
    ratio(m.peakRssMb, ref?.peakRssMb),
    fmt(m.load, 1),
  ]);
  const align = COLUMNS.map((_, i) => (i === 0 ? "---" : "---:"));
  return [COLUMNS, align, ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

export function peersReadmeBody(run: {
  rows: number;
  pageSize: number;
  env: string;
  python: string;
  check: { spendRows: number; pageSize: number };
  checked: string;
  results: readonly PeerMeasurement[];
}): string {
  return [
    `\`npm run bench -- --peers --rows ${run.rows}\` (${run.env}; ${run.python}). The manifest is bench/peers/ignite-manifest.yaml, run by airbyte-cdk's \`source-declarative-manifest --manifest-path\`; the tap is bench/peers/tap_ignite_sdk.py. All four read the spend table (${run.rows.toLocaleString("en-US")} rows, every column, page size ${run.pageSize.toLocaleString("en-US")}) from one simulator process, one after another; records are the RECORD lines counted on stdout; peak RSS and CPU are the program's own process (\`/usr/bin/time\`); *load* is the 1-minute load average when the run ended. The simulator shares the 2 cores, so wall-clock numbers move with the machine's load; CPU s moves less.`,
    "",
    peersTable(run.results),
    "",
    `Pre-check before timing, on every table of a small simulator (${run.check.spendRows.toLocaleString("en-US")} spend rows, page size ${run.check.pageSize}):`,
    "",
    ...run.checked.split("\n").map((l) => `- ${l}`),
  ].join("\n");
}
