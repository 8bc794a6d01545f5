/** The contracts table. Custom fields (cf_*) change silently, as the docs warn for updated_at. */
import { pick } from "../rng.js";
import { isoDate, pad } from "../values.js";
import { amount, rowTimes } from "./common.js";
import type { TableDef } from "./schema.js";
import { supplierKey } from "./suppliers.js";
import { CATEGORIES, CURRENCIES, DESCRIPTIONS, OWNERS, maybeNull, subset } from "./text.js";

export const contractKey = (i: number): string => `CO${pad(i, 8)}`;

const STATUSES = ["active", "expired", "draft", "terminated", "Active"] as const;

export const contracts: TableDef = {
  id: "contracts",
  name: "Contracts",
  orderBy: ["id"],
  columns: [
    { name: "id", label: "ID", dataType: "STRING" },
    { name: "title", label: "Title", dataType: "STRING" },
    { name: "supplier_id", label: "Supplier ID", dataType: "STRING" },
    { name: "status", label: "Status", dataType: "STRING" },
    { name: "start_date", label: "Start date", dataType: "DATE" },
    { name: "end_date", label: "End date", dataType: "DATE" },
    { name: "value", label: "Value", dataType: "MONETARY_AMOUNT" },
    { name: "currency", label: "Currency", dataType: "STRING" },
    { name: "auto_renewal", label: "Auto renewal", dataType: "BOOL" },
    { name: "owner", label: "Owner", dataType: "STRING" },
    { name: "created_at", label: "Created at", dataType: "TIMESTAMP" },
    { name: "updated_at", label: "Updated at", dataType: "TIMESTAMP" },
    { name: "categories", label: "Categories", dataType: "STRING_ARRAY" },
    { name: "cf_owner", label: "Owner", dataType: "STRING", silent: true },
    { name: "cf_notes", label: "Notes", dataType: "STRING", silent: true },
    { name: "cf_region", label: "Region", dataType: "STRING", silent: true },
  ],
  key: contractKey,
  generate(ctx, i, v, r) {
    const s = v.silent;
    const { created, updated } = rowTimes(ctx, 3, i, v);
    const start = 16_500 + (r("start") % 3_500);
    const endKind = r("end") % 10;
    return {
      id: contractKey(i),
      title: `${pick(DESCRIPTIONS, r("title"))} #${i}${v.version > 0 ? ` v${v.version}` : ""}`,
      supplier_id: maybeNull(r("sup0"), 0.02, supplierKey(r("sup") % Math.max(1, ctx.counts.suppliers))),
      status: pick(STATUSES, r("status", v.version)),
      start_date: isoDate(start),
      end_date: endKind === 0 ? null : endKind === 1 ? "9999-12-31" : isoDate(start + 30 + (r("len") % 2000)),
      value: maybeNull(r("val0"), 0.03, amount(r("val", v.version), r("val2", v.version))),
      currency: maybeNull(r("cur0"), 0.02, pick(CURRENCIES, r("cur"))),
      auto_renewal: maybeNull(r("ren0"), 0.1, r("ren") % 2 === 1),
      owner: maybeNull(r("own0"), 0.1, pick(OWNERS, r("own"))),
      created_at: created,
      updated_at: updated,
      categories: maybeNull(r("cats0"), 0.05, subset(CATEGORIES, r("cats"), 2)),
      cf_owner: maybeNull(r("cfo0", s), 0.3, pick(OWNERS, r("cfo", s))),
      cf_notes: maybeNull(r("cfn0", s), 0.3, s > 0 ? `Renegotiate 🔁 (edit ${s})` : "Line 1\nLine \"2\""),
      cf_region: maybeNull(r("cfr0", s), 0.3, pick(["Norden", "EMEA", "APAC", "Sør-Norge"], r("cfr", s))),
    };
  },
};
