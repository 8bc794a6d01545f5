/**
 * Decode benchmark (a harness, not a test): Parquet export file → RECORD lines → /dev/null.
 *
 *   npm run build && node dist/bench/decode.js [rows=1000000] [codec=zstd] [repeats=1]
 *
 * Generates a spend-like 20-column file with DuckDB (cached under $TMPDIR), then runs each pipeline
 * in its own child process (so peak RSS is per pipeline) and prints records/s, MB/s and peak RSS:
 * - main:    worker decodes (parquet-wasm), main thread serializes (readParquetFile + fromArrow)
 * - shared:  readParquetRecords: worker decodes and shares serializing with the main thread (default)
 * - worker:  readParquetRecords with shareBelow 0: worker decodes and serializes, main adds framing
 * - objects: main-thread decode, rows → objects → JSON.stringify per record (the naive baseline)
 * - duckdb:  DuckDB, 1 thread, COPY (SELECT * FROM read_parquet(f)) TO '/dev/stdout' (FORMAT json)
 */
import { spawnSync } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { readParquetFile, readParquetRecords } from "../streams/export/parquet/parquet-reader.js";
import { compileArrowSerializer } from "../streams/encode/arrow-serializer.js";
import type { OutputColumn } from "../streams/encode/record-serializer.js";
import type { Batch, RecordFraming } from "../streams/contract/stream.js";

const SPEND: [string, string][] = [
  ["id", "STRING"], ["amount", "MONETARY_AMOUNT"], ["currency", "STRING"], ["amount_in_base_currency", "MONETARY_AMOUNT"],
  ["invoice_date", "DATE"], ["posting_date", "DATE"], ["supplier_id", "STRING"], ["supplier_name", "STRING"],
  ["description", "STRING"], ["business_unit", "STRING"], ["account", "STRING"], ["invoice_number", "STRING"],
  ["po_number", "STRING"], ["quantity", "NUMBER"], ["is_contracted", "BOOL"], ["created_at", "TIMESTAMP"],
  ["updated_at", "TIMESTAMP"], ["tags", "STRING_ARRAY"], ["cost_center", "STRING"], ["line_no", "NUMBER"],
];
const COLUMNS: OutputColumn[] = SPEND.map(([name, dataType]) => ({ key: name, source: name, dataType }));

const GENERATE = (n: number, file: string, codec: string): string => `
COPY (SELECT
  'SP-' || lpad(i::VARCHAR, 9, '0') AS id,
  round(((hash(i) % 2000000)::DOUBLE - 200000) / 100, 2) AS amount,
  ['NOK','SEK','DKK','EUR','USD','GBP','CHF','PLN'][((hash(i * 3) % 8) + 1)::BIGINT] AS currency,
  ((hash(i * 5) % 100000000000)::DECIMAL(38, 9) / 1000)::DECIMAL(38, 9) AS amount_in_base_currency,
  DATE '2015-01-01' + (hash(i * 7) % 4000)::INTEGER AS invoice_date,
  CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '2015-01-01' + (hash(i * 7) % 4000 + 3)::INTEGER END AS posting_date,
  'SUP-' || (hash(i * 11) % 20000) AS supplier_id,
  'Leverandør ' || (hash(i * 11) % 20000) || ' AS' AS supplier_name,
  CASE WHEN i % 17 = 0 THEN NULL ELSE 'Line ' || i || ' "quoted" → ' || md5(i::VARCHAR) || '; kontor\\rekvisita' END AS description,
  'BU-' || (hash(i * 13) % 40) AS business_unit,
  (4000 + hash(i * 19) % 900)::VARCHAR AS account,
  'INV-' || (i // 3) AS invoice_number,
  CASE WHEN i % 5 = 0 THEN NULL ELSE 'PO-' || (hash(i * 23) % 1000000) END AS po_number,
  (hash(i * 29) % 100000)::DOUBLE / 10 AS quantity,
  CASE WHEN i % 7 = 0 THEN NULL ELSE hash(i) % 3 = 0 END AS is_contracted,
  TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_microseconds((hash(i * 31) % 150000000000000)::BIGINT) AS created_at,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds((hash(i * 37) % 60000000000000)::BIGINT) AS updated_at,
  CASE WHEN i % 4 = 0 THEN []::VARCHAR[] WHEN i % 4 = 1 THEN ['capex'] ELSE ['tag-' || (i % 50), 'reviewed'] END AS tags,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 'CC-' || (hash(i * 41) % 300) END AS cost_center,
  (i % 1000)::BIGINT AS line_no
FROM range(${n}) t(i)) TO '${file}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 122880)`;

const framing = (): RecordFraming => ({
  prefix: Buffer.from(`{"type":"RECORD","record":{"stream":"spend","emitted_at":${Date.now()},"data":`),
  suffix: Buffer.from("}}\n"),
});

async function write(batch: Batch, f: RecordFraming): Promise<number> {
  let bytes = 0;
  for (const chunk of batch.encode(f)) {
    bytes += chunk.length;
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
  }
  return bytes;
}

async function runChild(mode: string, file: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  let rows = 0, bytes = 0;
  const f = framing();
  if (mode === "main") {
    const s = compileArrowSerializer(COLUMNS);
    for await (const b of readParquetFile(file)) {
      rows += b.numRows;
      bytes += await write(s.fromArrow(b), f);
    }
  } else if (mode === "shared" || mode === "worker") {
    for await (const b of readParquetRecords(file, COLUMNS, mode === "worker" ? { shareBelow: 0, framing: f } : { framing: f })) {
      rows += b.count;
      bytes += await write(b, f);
    }
  } else if (mode === "objects") {
    const enc = new TextEncoder();
    const pre = new TextDecoder().decode(f.prefix), suf = new TextDecoder().decode(f.suffix);
    for await (const b of readParquetFile(file)) {
      let text = "";
      for (const row of b) {
        text += pre + JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)) + suf;
        rows++;
      }
      const chunk = enc.encode(text);
      bytes += chunk.length;
      if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
    }
  } else if (mode === "duckdb") {
    const db = await DuckDBInstance.create(":memory:", { threads: "1" });
    const con = await db.connect();
    const r = await con.runAndReadAll(`SELECT count(*)::INTEGER FROM read_parquet('${file}')`);
    rows = Number(r.getRows()[0]![0]);
    await con.run(`COPY (SELECT * FROM read_parquet('${file}')) TO '/dev/stdout' (FORMAT json)`);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const ru = process.resourceUsage();
  const cpu = (ru.userCPUTime + ru.systemCPUTime) / 1e6;
  process.stderr.write(JSON.stringify({ mode, rows, secs, bytes, cpu, maxRssMB: ru.maxRSS / 1024 }) + "\n");
}

async function main(): Promise<void> {
  const [, , first, ...rest] = process.argv;
  if (first === "--child") return runChild(rest[0]!, rest[1]!);
  const rows = Number(first ?? 1_000_000), codec = rest[0] ?? "zstd", repeats = Number(rest[1] ?? 1);
  const file = join(tmpdir(), `ignite-bench-spend-${rows}-${codec}.parquet`);
  if (!existsSync(file)) {
    const t = Date.now();
    const db = await DuckDBInstance.create(":memory:");
    await (await db.connect()).run(GENERATE(rows, file, codec));
    console.log(`generated ${file} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  const self = fileURLToPath(import.meta.url);
  console.log(`| pipeline | rows | wall s | records/s | MB/s | CPU s (all threads) | peak RSS MB |\n| --- | --- | --- | --- | --- | --- | --- |`);
  for (let k = 0; k < repeats; k++) {
    for (const mode of (process.env.MODES ?? "shared,main,worker,duckdb").split(",")) {
      const t = Date.now();
      const child = spawnSync(process.execPath, [self, "--child", mode, file], { stdio: ["ignore", openSync("/dev/null", "w"), "pipe"], encoding: "utf8" });
      const wall = (Date.now() - t) / 1000;
      const line = child.stderr.trim().split("\n").pop() ?? "";
      try {
        const r = JSON.parse(line) as { rows: number; bytes: number; cpu: number; maxRssMB: number };
        const mb = r.bytes > 0 ? (r.bytes / 1e6 / wall).toFixed(0) : "-";
        console.log(`| ${mode} | ${r.rows} | ${wall.toFixed(2)} | ${Math.round(r.rows / wall / 1000)} k | ${mb} | ${r.cpu.toFixed(1)} | ${r.maxRssMB.toFixed(0)} |`);
      } catch {
        console.log(`| ${mode} | failed: ${child.stderr.slice(-300)} |`);
      }
    }
  }
}

await main();
