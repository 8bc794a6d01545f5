/**
 * Classification result tables: one row per spend id with level_N_id / level_N_name for N = 1..10.
 * The tenant trees are shallower than 10 levels, so the deeper level columns are always null.
 */
import { hash32 } from "../rng.js";
import type { ColumnDef, TableDef, TableId } from "./schema.js";
import { spendKey } from "./spend.js";

const LEVEL_NAMES: Record<string, readonly string[]> = {
  classification_business_units: ["Konsern", "Divisjon", "Avdeling", "Team"],
  classification_spend_categories: ["Direct", "Indirect", "Tjenester", "IT & Telecom", "ソフトウェア", "Lisenser 📄"],
};

function levelColumns(): ColumnDef[] {
  const cols: ColumnDef[] = [{ name: "spend_id", label: "Spend ID", dataType: "STRING" }];
  for (let n = 1; n <= 10; n++) {
    cols.push({ name: `level_${n}_id`, label: `Level ${n} ID`, dataType: "STRING" });
    cols.push({ name: `level_${n}_name`, label: `Level ${n} Name`, dataType: "STRING" });
  }
  return cols;
}

function classification(id: TableId, name: string, depth: number, salt: number): TableDef {
  const names = LEVEL_NAMES[id] ?? [];
  return {
    id,
    name,
    orderBy: ["spend_id"],
    columns: levelColumns(),
    key: spendKey,
    generate(ctx, i, v, r) {
      const row: Record<string, unknown> = { spend_id: spendKey(i) };
      const unclassified = r("none", v.version) % 25 === 0;
      const rowDepth = unclassified ? 0 : 1 + (r("depth", v.version) % depth);
      let path = "";
      for (let n = 1; n <= 10; n++) {
        if (n > rowDepth) {
          row[`level_${n}_id`] = null;
          row[`level_${n}_name`] = null;
          continue;
        }
        const branch = hash32(ctx.seed, salt, n, r(`l${n}`, v.version) % 4) % 4;
        path = `${path}${n === 1 ? "" : "."}${branch + 1}`;
        row[`level_${n}_id`] = `${salt === 1 ? "BU" : "CAT"}-${path}`;
        row[`level_${n}_name`] = `${names[(n - 1) % names.length] ?? "Level"} ${path}`;
      }
      return row;
    },
  };
}

export const classificationBusinessUnits = classification(
  "classification_business_units",
  "Business Unit Classification Results",
  4,
  1,
);
export const classificationSpendCategories = classification(
  "classification_spend_categories",
  "Spend Category Classification Results",
  6,
  2,
);
