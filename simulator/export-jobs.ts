/**
 * Export jobs: queued → running → succeeded | failed on real time (exportDelayMs), files written to a
 * temp dir from a point-in-time snapshot of the table, split every maxFileRows rows, deleted after
 * the retention period.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { TableChanges } from "./clock.js";
import type { Dataset } from "./data/dataset.js";
import { TABLE_DEFS } from "./data/dataset.js";
import type { ColumnDef, TableId } from "./data/schema.js";
import type { Predicate } from "./filters.js";
import { writeJsonFile } from "./json-writer.js";
import { writeParquetFile } from "./parquet-writer.js";
import type { Variant } from "./variants.js";
import { wireRow } from "./wire.js";

export interface ExportFile {
  name: string;
  path: string;
  sizeBytes: number;
  rowCount: number;
  /** gzip "header": served with Content-Encoding: gzip. */
  contentEncoding?: "gzip";
}

export interface ExportJob {
  id: string;
  entity: TableId;
  format: "json" | "parquet";
  createdAt: number;
  updatedAt: number;
  phase: "queued" | "running" | "succeeded" | "failed";
  error?: string;
  estimatedBytesProcessed: number;
  files: ExportFile[];
  dir: string;
  /** Download URL validity window starts at each poll; files vanish at createdAt + retention. */
  deletedAt: number;
  failOnFinish: boolean;
}

export interface ExportSettings {
  tmpDir: string;
  exportDelayMs: number;
  maxFileRows: number;
  fileRetentionMs: number;
}

const AVG_ROW_BYTES: Record<TableId, number> = {
  spend: 420,
  suppliers: 380,
  contracts: 360,
  classification_business_units: 180,
  classification_spend_categories: 200,
};

export class ExportJobs {
  readonly jobs = new Map<string, ExportJob>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly work = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly dataset: Dataset,
    private readonly settings: ExportSettings,
    private readonly variant: () => Variant,
  ) {}

  create(entity: TableId, format: "json" | "parquet", fields: string[], pred: Predicate | undefined, fail: boolean): ExportJob {
    const now = Date.now();
    const snapshot = this.dataset.snapshot(entity);
    const job: ExportJob = {
      id: randomUUID(),
      entity,
      format,
      createdAt: now,
      updatedAt: now,
      phase: "queued",
      estimatedBytesProcessed: snapshot.count * AVG_ROW_BYTES[entity],
      files: [],
      dir: join(this.settings.tmpDir, "exports"),
      deletedAt: now + this.settings.fileRetentionMs,
      failOnFinish: fail,
    };
    job.dir = join(this.settings.tmpDir, "exports", job.id);
    this.jobs.set(job.id, job);
    const v = this.variant();
    const delay = this.settings.exportDelayMs;
    this.later(delay / 3, () => {
      if (job.phase !== "queued") return;
      job.phase = "running";
      job.updatedAt = Date.now();
      const started = Date.now();
      const p = this.writeFiles(job, snapshot, fields, pred, v)
        .then(() => this.later(Math.max(0, (delay * 2) / 3 - (Date.now() - started)), () => this.finish(job)))
        .catch((e: unknown) => this.fail(job, `export writer failed: ${(e as Error).message}`))
        .finally(() => this.work.delete(p));
      this.work.add(p);
    });
    return job;
  }

  /** Forces a job to end as failed (fault injection on status polls). */
  fail(job: ExportJob, message = "The export failed due to an internal error"): void {
    if (job.phase === "succeeded" || job.phase === "failed") return;
    job.phase = "failed";
    job.error = message;
    job.updatedAt = Date.now();
  }

  private finish(job: ExportJob): void {
    if (job.failOnFinish) return this.fail(job);
    if (job.phase !== "running") return;
    job.phase = "succeeded";
    job.updatedAt = Date.now();
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private async writeFiles(job: ExportJob, snapshot: TableChanges, fields: string[], pred: Predicate | undefined, v: Variant): Promise<void> {
    await mkdir(job.dir, { recursive: true });
    const def = TABLE_DEFS[job.entity];
    const columns = fields.map((f) => def.columns.find((c) => c.name === f)).filter((c): c is ColumnDef => c !== undefined);
    const scan = this.dataset.scan(job.entity, 0, snapshot);
    const rows: Iterator<Record<string, unknown>> = {
      next: () => {
        for (;;) {
          if (this.closed) return { done: true, value: undefined };
          const n = scan.next();
          if (n.done) return { done: true, value: undefined };
          const row = wireRow(def, n.value[1], v);
          if (pred && !pred(row)) continue;
          const out: Record<string, unknown> = {};
          for (const f of fields) out[f] = row[f];
          return { done: false, value: out };
        }
      },
    };
    const max = this.settings.maxFileRows;
    const gz = v.gzip !== "none";
    for (let part = 0; !this.closed; part++) {
      const base = `part-${String(part).padStart(5, "0")}`;
      if (job.format === "parquet") {
        const path = join(job.dir, `${base}.parquet`);
        const res = await writeParquetFile(path, columns, rows, max, v, part === 0);
        if (!res) {
          await rm(path, { force: true });
          break;
        }
        job.files.push({ name: `${base}.parquet`, path, sizeBytes: res.sizeBytes, rowCount: res.rowCount });
        if (res.rowCount < max) break;
      } else {
        const name = `${base}.json${v.gzip === "name" ? ".gz" : ""}`;
        const path = join(job.dir, name);
        const count = await writeJsonFile(path, rows, max, v, gz);
        if (count === 0 && part > 0) {
          await rm(path, { force: true });
          break;
        }
        const file: ExportFile = { name, path, sizeBytes: (await stat(path)).size, rowCount: count };
        if (v.gzip === "header") file.contentEncoding = "gzip";
        job.files.push(file);
        if (count < max) break;
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.work]);
  }
}
