/**
 * The config reference of README.md, rendered from spec.json so the two cannot drift apart
 * (test/readme.test.ts compares them; `npm run docs` rewrites the README block). Pure: spec in, Markdown out.
 *
 * One table row per setting, nested settings by path: `endpoints.rows`, `filters[].column`, and for the
 * `oneOf` of `legacy_data_tables` its discriminator (`legacy_data_tables.mode`) plus the fields of the
 * options that have them, marked with the mode they belong to.
 */
import type { ConnectorSpecification, JsonSchema } from "./index.js";

export const REFERENCE_START = "<!-- config-reference:start -->";
export const REFERENCE_END = "<!-- config-reference:end -->";

export interface ReferenceRow {
  /** Dotted path as a user writes it in config.json; `[]` marks the entries of a list. */
  readonly field: string;
  readonly type: string;
  readonly default: string;
  readonly required: string;
  readonly description: string;
  readonly examples: string;
}

type Node = JsonSchema;

const NONE = "—";

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

/** Properties in the order the Airbyte UI shows them (`order`, then name). */
function orderedProperties(node: Node): [string, Node][] {
  const props = isNode(node.properties) ? Object.entries(node.properties).filter((e): e is [string, Node] => isNode(e[1])) : [];
  const order = (n: Node): number => (typeof n.order === "number" ? n.order : Number.MAX_SAFE_INTEGER);
  return props.sort(([a, na], [b, nb]) => order(na) - order(nb) || a.localeCompare(b));
}

function requiredOf(node: Node): Set<string> {
  return new Set(Array.isArray(node.required) ? node.required.filter((r): r is string => typeof r === "string") : []);
}

/** Code span that survives backticks inside the value. */
function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

const literal = (value: unknown): string => code(JSON.stringify(value));

function typeOf(node: Node): string {
  const parts: string[] = [];
  let base = typeof node.type === "string" ? node.type : Array.isArray(node.type) ? node.type.join(" or ") : "any";
  if (base === "array" && isNode(node.items)) {
    const item = node.items;
    base = `array of ${item.type === "object" ? "objects" : `${String(item.type)}s`}`;
    if (typeof item.minLength === "number" && item.minLength > 0) parts.push("non-empty items");
  }
  if (Array.isArray(node.oneOf)) base = `${base} (one of ${node.oneOf.length} options, by ${code(discriminatorOf(node) ?? "?")})`;
  if (Array.isArray(node.enum)) parts.push(`one of ${node.enum.map(literal).join(", ")}`);
  if (typeof node.minimum === "number" && typeof node.maximum === "number") parts.push(`${node.minimum} to ${node.maximum}`);
  else if (typeof node.minimum === "number") parts.push(`at least ${node.minimum}`);
  else if (typeof node.maximum === "number") parts.push(`at most ${node.maximum}`);
  if (typeof node.minItems === "number" && node.minItems > 0) parts.push(`at least ${node.minItems} item${node.minItems === 1 ? "" : "s"}`);
  if (typeof node.minLength === "number" && node.minLength > 0 && base === "string") parts.push("non-empty");
  if (typeof node.pattern_descriptor === "string") parts.push(`format ${code(node.pattern_descriptor)}`);
  if (node.airbyte_secret === true) parts.push("secret");
  return parts.length === 0 ? base : `${base}, ${parts.join(", ")}`;
}

/** The property every option of a oneOf fixes with `const` (the spec rules allow exactly one). */
function discriminatorOf(node: Node): string | undefined {
  const options = Array.isArray(node.oneOf) ? node.oneOf.filter(isNode) : [];
  const first = options[0];
  if (first === undefined) return undefined;
  return orderedProperties(first)
    .map(([name]) => name)
    .find((name) => options.every((o) => isNode(o.properties) && isNode(o.properties[name]) && "const" in o.properties[name]));
}

function describe(node: Node, prefix?: string): string {
  const title = typeof node.title === "string" ? `**${node.title}.**` : "";
  const text = typeof node.description === "string" ? node.description : "";
  return [prefix, title, text].filter((p) => p !== undefined && p !== "").join(" ") || NONE;
}

function examplesOf(node: Node): string {
  return Array.isArray(node.examples) && node.examples.length > 0 ? node.examples.map(literal).join(", ") : NONE;
}

function row(field: string, node: Node, required: string, prefix?: string): ReferenceRow {
  return {
    field: code(field),
    type: typeOf(node),
    default: "default" in node ? literal(node.default) : NONE,
    required,
    description: describe(node, prefix),
    examples: examplesOf(node),
  };
}

const join = (path: string, name: string): string => (path === "" ? name : `${path}.${name}`);

function walk(path: string, node: Node, required: string, rows: ReferenceRow[], prefix?: string): void {
  rows.push(row(path, node, required, prefix));
  if (isNode(node.properties)) walkChildren(path, node, rows);
  if (node.type === "array" && isNode(node.items) && isNode(node.items.properties)) walkChildren(`${path}[]`, node.items, rows);
  if (Array.isArray(node.oneOf)) walkOneOf(path, node, rows);
}

function walkChildren(path: string, node: Node, rows: ReferenceRow[]): void {
  const required = requiredOf(node);
  for (const [name, child] of orderedProperties(node)) walk(join(path, name), child, required.has(name) ? "yes" : "no", rows);
}

/** The discriminator becomes one row listing its values; each option's other fields say which value they need. */
function walkOneOf(path: string, node: Node, rows: ReferenceRow[]): void {
  const options = (node.oneOf as unknown[]).filter(isNode);
  const key = discriminatorOf(node);
  if (key === undefined) return;
  const value = (o: Node): unknown => ((o.properties as Record<string, Node>)[key] as Node).const;
  const choices = options.map((o) => `${literal(value(o))}${typeof o.title === "string" ? ` (${o.title})` : ""}`).join(", ");
  const discriminator: Node = { type: "string", enum: options.map(value) };
  rows.push({ ...row(join(path, key), discriminator, "yes"), description: `Selects the option: ${choices}.` });
  for (const option of options) {
    const required = requiredOf(option);
    const when = `${code(`${key}: ${JSON.stringify(value(option))}`)}`;
    for (const [name, child] of orderedProperties(option)) {
      if (name === key) continue;
      walk(join(path, name), child, required.has(name) ? `yes, with ${when}` : "no", rows, `Only with ${when}.`);
    }
  }
}

/** Every setting of the connection specification, in UI order, nested settings after their parent. */
export function referenceRows(spec: ConnectorSpecification): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  walkChildren("", spec.connectionSpecification, rows);
  return rows;
}

/** A Markdown table cell: one line, pipes escaped (also inside code spans, as GitHub tables require). */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

/** The text that goes between REFERENCE_START and REFERENCE_END (starts and ends with a newline). */
export function renderReference(spec: ConnectorSpecification): string {
  const header = ["Field", "Type", "Default", "Required", "Description", "Examples"];
  const lines = [
    "",
    "<!-- Generated from spec/spec.json by `npm run docs`; edit spec.json, not this table. -->",
    "",
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...referenceRows(spec).map((r) => `| ${[r.field, r.type, r.default, r.required, r.description, r.examples].map(cell).join(" | ")} |`),
    "",
  ];
  return lines.join("\n");
}

/** The text between two markers, or undefined unless each marker occurs exactly once, start before end. */
export function extractBlock(text: string, start: string, end: string): string | undefined {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from || text.indexOf(start, from + 1) >= 0 || text.indexOf(end, to + 1) >= 0) return undefined;
  return text.slice(from + start.length, to);
}

/** `text` with the block between the markers replaced; throws when the markers are missing or repeated. */
export function replaceBlock(text: string, start: string, end: string, content: string): string {
  if (extractBlock(text, start, end) === undefined) {
    throw new Error(`expected exactly one ${start} followed by exactly one ${end}`);
  }
  const from = text.indexOf(start) + start.length;
  return text.slice(0, from) + content + text.slice(text.indexOf(end));
}
