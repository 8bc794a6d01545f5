/** The simulated tenant: table definitions plus their change overlays, driven by the clock. */
import { CLOCK_EPOCH, STEP_MS, STEP_PLAN, TableChanges } from "../clock.js";
import { rowRandom } from "../rng.js";
import { classificationBusinessUnits, classificationSpendCategories } from "./classifications.js";
import { contracts } from "./contracts.js";
import { TABLE_IDS, type GenContext, type TableDef, type TableId } from "./schema.js";
import { spend } from "./spend.js";
import { suppliers } from "./suppliers.js";

export const TABLE_DEFS: Record<TableId, TableDef> = {
  spend,
  suppliers,
  contracts,
  classification_business_units: classificationBusinessUnits,
  classification_spend_categories: classificationSpendCategories,
};

export function isTableId(id: string): id is TableId {
  return (TABLE_IDS as readonly string[]).includes(id);
}

export class Dataset {
  readonly ctx: GenContext;
  private readonly changes: Record<TableId, TableChanges>;
  steps = 0;

  constructor(seed: number, counts: Record<TableId, number>) {
    this.ctx = { seed, counts, epoch: CLOCK_EPOCH };
    this.changes = Object.fromEntries(TABLE_IDS.map((t) => [t, new TableChanges(counts[t])])) as Record<
      TableId,
      TableChanges
    >;
  }

  /** Simulated "now" in epoch ms. */
  now(): number {
    return CLOCK_EPOCH + this.steps * STEP_MS;
  }

  state(table: TableId): TableChanges {
    return this.changes[table];
  }

  /** A frozen copy of a table's change overlay: the point-in-time snapshot of an export. */
  snapshot(table: TableId): TableChanges {
    return this.changes[table].clone();
  }

  advance(steps = 1): void {
    for (let s = 0; s < steps; s++) {
      this.steps++;
      const at = this.now();
      for (const t of TABLE_IDS) this.changes[t].applyStep(this.ctx.seed, t, this.steps, at, STEP_PLAN[t]);
    }
  }

  /** Row `i` of a table in wire form, all columns, keyed by name (undefined when deleted). */
  row(table: TableId, i: number, changes: TableChanges = this.changes[table]): Record<string, unknown> | undefined {
    if (!changes.isLive(i)) return undefined;
    const v = changes.version(i);
    return TABLE_DEFS[table].generate(this.ctx, i, v, rowRandom(this.ctx.seed, table, i, 0));
  }

  /** Live rows in API order starting at index `from`. */
  *scan(table: TableId, from = 0, changes: TableChanges = this.changes[table]): Generator<[number, Record<string, unknown>]> {
    const size = changes.size;
    for (let i = Math.max(0, from); i < size; i++) {
      const row = this.row(table, i, changes);
      if (row) yield [i, row];
    }
  }
}
