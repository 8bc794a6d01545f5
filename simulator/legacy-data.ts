/**
 * Legacy custom data tables (deprecated /datatables API): small label-keyed tables with a hidden
 * last-modified time per row that lastModifiedDateFilter selects on. Kept in memory (they are small).
 */
import { hash32, pick } from "./rng.js";
import { CITIES, COMPANY_NAMES, DESCRIPTIONS } from "./data/text.js";
import { isoDate, isoTimestamp } from "./values.js";
import type { Variant } from "./variants.js";
import { wireLegacyRow } from "./wire.js";

export interface LegacyColumn {
  id: string;
  label: string;
  type: "text" | "number" | "date" | "boolean";
}

export interface LegacyTable {
  id: string;
  name: string;
  globalType: string;
  columns: LegacyColumn[];
  rows: Record<string, unknown>[];
  modified: number[];
}

const COLUMNS: LegacyColumn[] = [
  { id: "c_id", label: "Row ID", type: "text" },
  { id: "c_supplier", label: "Leverandør", type: "text" },
  { id: "c_amount", label: "Beløp (NOK)", type: "number" },
  { id: "c_date", label: "Dato", type: "date" },
  { id: "c_comment", label: "Kommentar", type: "text" },
  { id: "c_active", label: "Aktiv", type: "boolean" },
  { id: "c_city", label: "City", type: "text" },
  // A second column with the same label: label-keyed rows can carry only one "City" key (the API keys rows by label).
  { id: "c_city_code", label: "City", type: "text" },
  { id: "c_modified", label: "Last modified", type: "date" },
];
const NUMBER_LABELS = COLUMNS.filter((c) => c.type === "number").map((c) => c.label);
const SIZES = [12_345, 800, 0, 25, 3_000];
const NAMES = ["Awesome table", "Kategorimapping 2024", "Empty table", "Små data ✨", "Budget \"FY25\""];
const DAY = 86_400_000;

/** Ids look like the docs' sample ("12ab5182-jh73-…"): not valid UUIDs on purpose. */
function legacyId(seed: number, t: number): string {
  const hex = (n: number, len: number): string => hash32(seed, 999, t, n).toString(16).padStart(8, "0").slice(0, len);
  return `${hex(1, 8)}-jh${hex(2, 2)}-${hex(3, 4)}-${hex(4, 4)}-${hex(5, 8)}${hex(6, 4)}`;
}

export class LegacyData {
  readonly tables: LegacyTable[] = [];

  constructor(
    private readonly seed: number,
    count: number,
    epoch: number,
  ) {
    for (let t = 0; t < count; t++) {
      const n = SIZES[t % SIZES.length] ?? 10;
      const table: LegacyTable = {
        id: legacyId(seed, t),
        name: NAMES[t % NAMES.length] ?? `Table ${t}`,
        globalType: "",
        columns: COLUMNS,
        rows: [],
        modified: [],
      };
      for (let i = 0; i < n; i++) {
        const h = hash32(seed, t, i);
        table.modified.push(epoch - (h % (400 * 24)) * 3_600_000);
        table.rows.push(this.makeRow(t, i, 0));
      }
      this.tables.push(table);
    }
  }

  private makeRow(t: number, i: number, version: number): Record<string, unknown> {
    const h = (k: number): number => hash32(this.seed, t, i, k, version);
    return {
      "Row ID": `R${t}-${i}`,
      Leverandør: pick(COMPANY_NAMES, h(1)),
      "Beløp (NOK)": h(2) % 10 === 0 ? null : ((h(3) % 2_000_000) - 100_000) / 100,
      Dato: isoDate(18_000 + (h(4) % 2_000)),
      Kommentar: h(5) % 4 === 0 ? null : `${pick(DESCRIPTIONS, h(6))}${version ? ` (v${version})` : ""}`,
      Aktiv: h(7) % 2 === 0,
      City: pick(CITIES, h(8)),
    };
  }

  /** A clock step edits a few rows and bumps their last-modified time. */
  step(stepNo: number, at: number): void {
    this.tables.forEach((table, t) => {
      for (let k = 0; k < Math.min(3, table.rows.length); k++) {
        const i = hash32(this.seed, t, stepNo, k) % table.rows.length;
        table.rows[i] = this.makeRow(t, i, stepNo);
        table.modified[i] = at;
      }
    });
  }

  /** Row i as served under the variant (wire.ts): label-keyed, with its last-modified time. */
  row(table: LegacyTable, i: number, v: Variant): Record<string, unknown> {
    const row: Record<string, unknown> = { ...table.rows[i], "Last modified": isoTimestamp(table.modified[i] ?? 0) };
    return wireLegacyRow(row, String(row["Row ID"]), NUMBER_LABELS, v);
  }

  static readonly DAY_MS = DAY;
}
