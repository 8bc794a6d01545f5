/**
 * The simulated tenant's clock and the change log it drives. Rows are generated on demand; what a
 * clock step changes is kept as small per-index overlays (insert times, update and silent-edit
 * versions, deletions), so memory grows with steps, never with table size.
 */
import { hash32, strHash } from "./rng.js";
import type { RowVersion, TableId } from "./data/schema.js";

/** Clock time 0 of every simulation: data timestamps lie before it, steps move past it. */
export const CLOCK_EPOCH = Date.UTC(2026, 5, 1, 0, 0, 0);
export const STEP_MS = 3_600_000;

export interface StepPlan {
  inserts: number;
  updates: number;
  deletes: number;
  silentEdits: number;
}

/** What one clock step does to each table. */
export const STEP_PLAN: Record<TableId, StepPlan> = {
  spend: { inserts: 3, updates: 5, deletes: 1, silentEdits: 0 },
  suppliers: { inserts: 1, updates: 2, deletes: 1, silentEdits: 5 },
  contracts: { inserts: 1, updates: 2, deletes: 1, silentEdits: 4 },
  classification_business_units: { inserts: 3, updates: 3, deletes: 1, silentEdits: 0 },
  classification_spend_categories: { inserts: 3, updates: 3, deletes: 1, silentEdits: 0 },
};

export class TableChanges {
  readonly inserted: Map<number, number>;
  readonly updates: Map<number, { version: number; at: number }>;
  readonly silent: Map<number, number>;
  readonly deleted: Set<number>;

  constructor(
    readonly baseCount: number,
    from?: TableChanges,
  ) {
    this.inserted = new Map(from?.inserted);
    this.updates = new Map(from?.updates);
    this.silent = new Map(from?.silent);
    this.deleted = new Set(from?.deleted);
  }

  /** One past the highest index ever used (inserted rows extend the index range). */
  get size(): number {
    return this.baseCount + this.inserted.size;
  }

  /** Live row count. */
  get count(): number {
    return this.size - this.deleted.size;
  }

  isLive(i: number): boolean {
    return i >= 0 && i < this.size && !this.deleted.has(i);
  }

  version(i: number): RowVersion {
    const u = this.updates.get(i);
    const insertedAt = this.inserted.get(i);
    return {
      version: u?.version ?? 0,
      silent: this.silent.get(i) ?? 0,
      updatedAt: u?.at ?? insertedAt,
      insertedAt,
    };
  }

  clone(): TableChanges {
    return new TableChanges(this.baseCount, this);
  }

  /** Applies one step's plan at time `at`; `stepNo` makes the choices deterministic. */
  applyStep(seed: number, table: TableId, stepNo: number, at: number, plan: StepPlan): void {
    const salt = strHash(table);
    const pickLive = (kind: number, k: number): number | undefined => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const size = this.size;
        if (size === 0) return undefined;
        const i = hash32(seed, salt, stepNo, kind, k, attempt) % size;
        if (this.isLive(i)) return i;
      }
      return undefined;
    };
    for (let k = 0; k < plan.inserts; k++) this.inserted.set(this.size, at);
    for (let k = 0; k < plan.updates; k++) {
      const i = pickLive(1, k);
      if (i === undefined) continue;
      this.updates.set(i, { version: (this.updates.get(i)?.version ?? 0) + 1, at });
    }
    for (let k = 0; k < plan.silentEdits; k++) {
      const i = pickLive(2, k);
      if (i !== undefined) this.silent.set(i, (this.silent.get(i) ?? 0) + 1);
    }
    for (let k = 0; k < plan.deletes; k++) {
      const i = pickLive(3, k);
      if (i !== undefined) this.deleted.add(i);
    }
  }
}
