/** The spend table: one invoice line per row. */
import { pick } from "../rng.js";
import { isoDate, pad } from "../values.js";
import { amount, rowTimes } from "./common.js";
import type { TableDef } from "./schema.js";
import { supplierKey, supplierName } from "./suppliers.js";
import { BUSINESS_UNITS, CURRENCIES, DESCRIPTIONS, TAGS, maybeNull, subset } from "./text.js";

export const spendKey = (i: number): string => `SP${pad(i, 10)}`;

const RATES: Record<string, number> = { NOK: 1, EUR: 11.5, USD: 10.6, SEK: 0.98, JPY: 0.071, DKK: 1.54 };

export const spend: TableDef = {
  id: "spend",
  name: "Spend",
  orderBy: ["id"],
  columns: [
    { name: "id", label: "ID", dataType: "STRING" },
    { name: "amount", label: "Amount", dataType: "MONETARY_AMOUNT" },
    { name: "currency", label: "Currency", dataType: "STRING" },
    { name: "amount_in_base_currency", label: "Amount in base currency", dataType: "MONETARY_AMOUNT" },
    { name: "invoice_date", label: "Invoice date", dataType: "DATE" },
    { name: "posting_date", label: "Posting date", dataType: "DATE" },
    { name: "supplier_id", label: "Supplier ID", dataType: "STRING" },
    { name: "supplier_name", label: "Supplier", dataType: "STRING" },
    { name: "description", label: "Description", dataType: "STRING" },
    { name: "business_unit", label: "Business unit", dataType: "STRING" },
    { name: "account", label: "Account", dataType: "STRING" },
    { name: "invoice_number", label: "Invoice number", dataType: "STRING" },
    { name: "po_number", label: "PO number", dataType: "STRING" },
    { name: "quantity", label: "Quantity", dataType: "NUMBER", integer: true },
    { name: "is_contracted", label: "Contracted", dataType: "BOOL" },
    { name: "created_at", label: "Created at", dataType: "TIMESTAMP" },
    { name: "updated_at", label: "Updated at", dataType: "TIMESTAMP" },
    { name: "tags", label: "Tags", dataType: "STRING_ARRAY" },
  ],
  key: spendKey,
  generate(ctx, i, v, r) {
    const amt = amount(r("amount", v.version), r("amount2", v.version));
    const currency = maybeNull(r("cur0"), 0.02, pick(CURRENCIES, r("currency")));
    const rate = currency === null ? 1 : (RATES[currency] ?? 1);
    const inv = r("date");
    // mostly 2019–2026, a few near the epoch and in the far future
    const invDays = inv % 500 === 0 ? inv % 3 : inv % 501 === 0 ? 2_932_896 - (inv % 3) : 17_900 + (inv % 2_600);
    const supplierIndex = r("supplier") % Math.max(1, ctx.counts.suppliers);
    const { created, updated } = rowTimes(ctx, 1, i, v);
    const desc = pick(DESCRIPTIONS, r("desc"));
    return {
      id: spendKey(i),
      amount: maybeNull(r("amount0"), 0.01, amt),
      currency,
      amount_in_base_currency: maybeNull(r("amount0"), 0.01, Math.round(amt * rate * 100) / 100),
      invoice_date: isoDate(invDays),
      posting_date: maybeNull(r("post0"), 0.1, isoDate(Math.min(2_932_896, invDays + (r("post") % 30)))), // never past 9999-12-31
      supplier_id: maybeNull(r("sup0"), 0.01, supplierKey(supplierIndex)),
      supplier_name: supplierName(ctx.seed, supplierIndex),
      description: maybeNull(r("desc0"), 0.05, v.version > 0 ? `${desc} (rev ${v.version})` : desc),
      business_unit: maybeNull(r("bu0"), 0.03, pick(BUSINESS_UNITS, r("bu"))),
      account: String(4000 + (r("account") % 3000)),
      invoice_number: `INV-${pad(r("inv") % 1_000_000, 6)}`,
      po_number: maybeNull(r("po0"), 0.3, `PO${r("po") % 100_000}`),
      quantity: maybeNull(r("qty0"), 0.05, (r("qty") % 1005) - 5),
      is_contracted: maybeNull(r("ctr0"), 0.05, r("ctr") % 2 === 0),
      created_at: created,
      updated_at: updated,
      tags: maybeNull(r("tags0"), 0.05, subset(TAGS, r("tags"), 3)),
    };
  },
};
