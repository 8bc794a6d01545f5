/**
 * The suppliers table. Enrichment (category, risk_score) and custom fields (cf_*) change silently
 * (RowVersion.silent) without bumping updated_at. Custom field labels collide with built-in labels
 * to exercise every keyBy "label" rule, including the `#2` suffix.
 */
import { hash32, pick } from "../rng.js";
import { isoDate, pad } from "../values.js";
import { rowTimes } from "./common.js";
import type { TableDef } from "./schema.js";
import { CATEGORIES, CERTS, CITIES, COMPANY_NAMES, COUNTRIES, maybeNull, subset } from "./text.js";

export const supplierKey = (i: number): string => `SU${pad(i, 8)}`;

/** Supplier names are a function of (seed, index) only, so spend rows can denormalize them. */
export function supplierName(seed: number, i: number): string {
  const base = pick(COMPANY_NAMES, hash32(seed, 77, i));
  return i < COMPANY_NAMES.length ? base : `${base} ${i}`;
}

export const suppliers: TableDef = {
  id: "suppliers",
  name: "Suppliers",
  orderBy: ["id"],
  columns: [
    { name: "id", label: "ID", dataType: "STRING" },
    { name: "name", label: "Name", dataType: "STRING" },
    { name: "org_number", label: "Organization number", dataType: "STRING" },
    { name: "country", label: "Country", dataType: "STRING" },
    { name: "city", label: "City", dataType: "STRING" },
    { name: "category", label: "Category", dataType: "STRING", silent: true },
    { name: "risk_score", label: "Risk score", dataType: "NUMBER", silent: true },
    { name: "is_preferred", label: "Preferred", dataType: "BOOL" },
    { name: "onboarded_on", label: "Onboarded on", dataType: "DATE" },
    { name: "created_at", label: "Created at", dataType: "TIMESTAMP" },
    { name: "updated_at", label: "Updated at", dataType: "TIMESTAMP" },
    { name: "certifications", label: "Certifications", dataType: "STRING_ARRAY" },
    // custom fields (user-defined in Ignite); labels collide on purpose
    { name: "cf_name", label: "Name", dataType: "STRING", silent: true },
    { name: "cf_category", label: "Category", dataType: "STRING", silent: true },
    { name: "cf_name_note", label: "Name (cf_name)", dataType: "STRING", silent: true },
    { name: "cf_rating", label: "Rating", dataType: "NUMBER", integer: true, silent: true },
    { name: "cf_contract_count", label: "Spend", dataType: "MONETARY_AMOUNT", silent: true },
  ],
  key: supplierKey,
  generate(ctx, i, v, r) {
    const s = v.silent;
    const { created, updated } = rowTimes(ctx, 2, i, v);
    const name = supplierName(ctx.seed, i);
    return {
      id: supplierKey(i),
      name: v.version > 0 ? `${name} (v${v.version})` : name,
      org_number: maybeNull(r("org0"), 0.05, String(900_000_000 + (r("org") % 99_999_999))),
      country: maybeNull(r("country0"), 0.02, pick(COUNTRIES, r("country"))),
      city: maybeNull(r("city0"), 0.05, pick(CITIES, r("city"))),
      category: maybeNull(r("cat0", s), 0.05, pick(CATEGORIES, r("cat", s))),
      risk_score: maybeNull(r("risk0", s), 0.1, (r("risk", s) % 1001) / 10),
      is_preferred: maybeNull(r("pref0"), 0.05, r("pref") % 3 === 0),
      onboarded_on: maybeNull(r("onb0"), 0.05, isoDate(r("onb") % 400 === 0 ? 0 : 16_000 + (r("onb") % 4_500))),
      created_at: created,
      updated_at: updated,
      certifications: maybeNull(r("cert0"), 0.05, subset(CERTS, r("cert"), 3)),
      cf_name: maybeNull(r("cfn0", s), 0.2, `Alias ${pick(COMPANY_NAMES, r("cfn", s))}`),
      cf_category: maybeNull(r("cfc0", s), 0.2, pick(CATEGORIES, r("cfc", s))),
      cf_name_note: maybeNull(r("cfnn0", s), 0.5, s > 0 ? `note edited ${s}` : "note"),
      cf_rating: maybeNull(r("cfr0", s), 0.2, r("cfr", s) % 6),
      cf_contract_count: maybeNull(r("cfs0", s), 0.2, (r("cfs", s) % 10_000_000) / 100),
    };
  },
};
