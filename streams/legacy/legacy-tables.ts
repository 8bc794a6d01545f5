/**
 * Deprecated custom data tables (GET /datatables): the raw, undocumented table objects → typed metadata,
 * the configured selection, and the stream name of each table.
 *
 * Stream names (the rule users see, documented in the stream description too):
 *   `legacy_<slug of the table name>_<id tag>`
 * - slug: the name folded to ASCII snake_case (`Små data ✨` → `sma_data`), at most 40 characters,
 *   `table` when nothing is left;
 * - id tag: the first 8 letters/digits of the table id, lower-cased, lengthened for every table whose
 *   tag would otherwise be shared, so names are unique whatever the names are;
 * - the tag is always there, so a stream keeps answering to its old name after the table is renamed in
 *   Ignite: `matchesName` resolves any `legacy_…_<tag>` whose tag picks out exactly one table.
 * The full table id is in the stream description.
 */
import { ConfigError, SystemError } from "../contract/errors.js";
import { isRecord } from "../contract/json-object.js";

export interface LegacyColumn {
  /** The column's own id (not used in requests: the legacy API speaks labels). */
  readonly id: string;
  /** Rows are keyed by it, and columnFilter names it. */
  readonly label: string;
  /** As the server wrote it (lower-cased); legacy-schema.ts maps it. */
  readonly type: string;
}

export interface LegacyTableMeta {
  readonly id: string;
  readonly name: string;
  readonly columns: readonly LegacyColumn[];
}

export interface NamedLegacyTable extends LegacyTableMeta {
  readonly streamName: string;
  /** The id tag at the end of the stream name. */
  readonly tag: string;
}

export const LEGACY_PREFIX = "legacy_";
const MIN_TAG = 8;
const MAX_SLUG = 40;

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

function firstText(obj: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = text(obj[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The column object is undocumented (§13.18): accept the spellings a real tenant could plausibly use. */
function parseColumn(raw: unknown, index: number): LegacyColumn | undefined {
  if (typeof raw === "string" && raw.trim() !== "") return { id: raw, label: raw, type: "" };
  if (!isRecord(raw)) return undefined;
  const label = firstText(raw, ["label", "name", "title", "displayName"]);
  const id = firstText(raw, ["id", "columnId", "key", "name"]) ?? label ?? `column_${index + 1}`;
  return { id, label: label ?? id, type: (firstText(raw, ["type", "dataType", "columnType", "valueType"]) ?? "").toLowerCase() };
}

export function parseLegacyTableList(raw: readonly Record<string, unknown>[]): LegacyTableMeta[] {
  const out: LegacyTableMeta[] = [];
  for (const table of raw) {
    const id = firstText(table, ["id", "dataTableId", "_id"]);
    if (id === undefined) throw new SystemError("GET /datatables listed a data table without an id");
    const columnsRaw = table["columns"] ?? table["dataColumns"] ?? [];
    const columns = (Array.isArray(columnsRaw) ? columnsRaw : []).map(parseColumn).filter((c): c is LegacyColumn => c !== undefined);
    out.push({ id, name: firstText(table, ["name", "title", "label"]) ?? id, columns });
  }
  return out;
}

/** `all` → every table; a list → those ids, in the order given; an unknown id is a ConfigError naming the known ones. */
export function selectLegacyTables(tables: readonly LegacyTableMeta[], setting: "off" | "all" | readonly string[]): LegacyTableMeta[] {
  if (setting === "off") return [];
  if (setting === "all") return [...tables];
  const missing = setting.filter((id) => !tables.some((t) => t.id === id));
  if (missing.length > 0) throw new ConfigError(unknownIdsMessage(missing, tables));
  return setting.map((id) => tables.find((t) => t.id === id)!);
}

export function unknownIdsMessage(missing: readonly string[], tables: readonly LegacyTableMeta[]): string {
  const known = tables.map((t) => `${t.id} ("${t.name}")`).join(", ") || "none";
  return `legacy_data_tables.ids: no legacy data table has the id ${missing.map((m) => `"${m}"`).join(", ")}. Tables this token can read: ${known}.`;
}

export function slugOf(name: string): string {
  const folded = name
    .replace(/[øØ]/g, "o")
    .replace(/[æÆ]/g, "ae")
    .replace(/ß/g, "ss")
    .replace(/[đĐð]/g, "d")
    .replace(/[łŁ]/g, "l")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const cut = folded.slice(0, MAX_SLUG).replace(/_+$/, "");
  return cut === "" ? "table" : cut;
}

export function idKey(id: string): string {
  const key = id.toLowerCase().replace(/[^a-z0-9]/g, "");
  return key === "" ? "x" : key;
}

/** Names every table by the rule above. Tags depend only on the ids of the tables named together. */
export function nameLegacyTables(tables: readonly LegacyTableMeta[]): NamedLegacyTable[] {
  const keys = tables.map((t) => idKey(t.id));
  return tables.map((table, i) => {
    const key = keys[i]!;
    let length = Math.min(MIN_TAG, key.length);
    while (length < key.length && keys.some((other, j) => j !== i && other.startsWith(key.slice(0, length)))) length++;
    const tag = key.slice(0, length);
    return { ...table, tag, streamName: `${LEGACY_PREFIX}${slugOf(table.name)}_${tag}` };
  });
}

/**
 * Whether a configured stream name (perhaps from before a rename) means `table`: the exact name, or a
 * `legacy_…_<tag>` whose tag is a prefix of this table's id key and of no other table's.
 */
export function legacyNameMatches(name: string, table: NamedLegacyTable, all: readonly NamedLegacyTable[]): boolean {
  if (name === table.streamName) return true;
  if (!name.startsWith(LEGACY_PREFIX)) return false;
  const tag = name.slice(name.lastIndexOf("_") + 1);
  if (tag.length < MIN_TAG || !idKey(table.id).startsWith(tag)) return false;
  return all.every((other) => other === table || !idKey(other.id).startsWith(tag));
}
