/**
 * Rows-path serializer: the byte writer (`fromObjects`) against the simple way (normalise the row,
 * JSON.stringify, encode), on spend-like rows as a rows page carries them. Same process, alternating
 * runs, so the ratio holds on a noisy machine.   node dist/bench/decode-objects.js [rows=200000]
 */
import { compileSerializer, type OutputColumn } from "../streams/encode/record-serializer.js";
import { timestampText } from "../streams/encode/timestamps.js";

const n = Number(process.argv[2] ?? 200_000);
const cols: [string, string][] = [
  ["id", "STRING"], ["amount", "MONETARY_AMOUNT"], ["currency", "STRING"], ["amount_in_base_currency", "MONETARY_AMOUNT"],
  ["invoice_date", "DATE"], ["posting_date", "DATE"], ["supplier_id", "STRING"], ["supplier_name", "STRING"],
  ["description", "STRING"], ["business_unit", "STRING"], ["account", "STRING"], ["invoice_number", "STRING"],
  ["po_number", "STRING"], ["quantity", "NUMBER"], ["is_contracted", "BOOL"], ["created_at", "TIMESTAMP"],
  ["updated_at", "TIMESTAMP"], ["tags", "STRING_ARRAY"], ["cost_center", "STRING"], ["line_no", "NUMBER"],
];
const COLUMNS: OutputColumn[] = cols.map(([k, t]) => ({ key: k, source: k, dataType: t }));
const rows = Array.from({ length: n }, (_, i) => ({
  id: `SP-${String(i).padStart(9, "0")}`, amount: Math.round((i * 7919) % 2000000 - 200000) / 100, currency: "NOK",
  amount_in_base_currency: ((i * 104729) % 1e8) / 1000, invoice_date: "2024-03-0" + (1 + (i % 9)), posting_date: i % 9 ? "2024-03-11" : null,
  supplier_id: `SUP-${i % 20000}`, supplier_name: `Leverandør ${i % 20000} AS`, description: i % 17 ? `Line ${i} "quoted" → abc; kontor\\rekvisita` : null,
  business_unit: `BU-${i % 40}`, account: String(4000 + (i % 900)), invoice_number: `INV-${i / 3 | 0}`, po_number: i % 5 ? `PO-${i % 1e6}` : null,
  quantity: (i % 100000) / 10, is_contracted: i % 7 ? i % 3 === 0 : null,
  created_at: new Date(1.6e12 + i * 123457).toISOString(), updated_at: new Date(1.7e12 + i * 654321).toISOString().replace("Z", "+00:00"),
  tags: i % 4 ? ["tag-" + (i % 50), "reviewed"] : [], cost_center: i % 3 ? `CC-${i % 300}` : null, line_no: i % 1000,
}));
const framing = { prefix: Buffer.from('{"type":"RECORD","record":{"stream":"spend","emitted_at":1,"data":'), suffix: Buffer.from("}}\n") };
const PAGE = 10_000;

function bytesWriter(): number {
  const s = compileSerializer(COLUMNS);
  let total = 0;
  for (let at = 0; at < n; at += PAGE) for (const c of s.fromObjects(rows.slice(at, at + PAGE)).encode(framing)) total += c.length;
  return total;
}
function simple(): number {
  const pre = framing.prefix.toString(), suf = framing.suffix.toString();
  let total = 0;
  for (let at = 0; at < n; at += PAGE) {
    let text = "";
    for (const r of rows.slice(at, at + PAGE)) {
      const out: Record<string, unknown> = {};
      for (const [k, t] of cols) {
        const v = (r as Record<string, unknown>)[k];
        if (v === undefined) continue;
        out[k] = t === "TIMESTAMP" && typeof v === "string" ? timestampText(v) ?? v : v;
      }
      text += pre + JSON.stringify(out) + suf;
    }
    total += Buffer.byteLength(text);
    Buffer.from(text);
  }
  return total;
}
for (let rep = 0; rep < 3; rep++) {
  for (const [name, f] of [["byte writer", bytesWriter], ["JSON.stringify", simple]] as const) {
    const t = process.hrtime.bigint();
    const bytes = f();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    console.log(`${name.padEnd(15)} ${Math.round(n / s / 1000)} k rows/s  ${(bytes / 1e6 / s).toFixed(0)} MB/s`);
  }
}
