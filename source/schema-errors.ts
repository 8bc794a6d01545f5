/**
 * Turns ajv errors into sentences a user can act on, one per field. Knows the spec conventions we
 * rely on (`pattern_descriptor`, single-const-discriminator `oneOf`), nothing about Ignite.
 */
import type { ErrorObject } from "ajv";
import { fieldPath } from "./ajv.js";
import { isRecord } from "../streams/contract/json-object.js";

type Schema = Record<string, unknown>;

export interface SchemaErrorOptions {
  /** Property names whose values must never be echoed (airbyte_secret fields). */
  secretFields: ReadonlySet<string>;
  /** The validated data, to resolve oneOf discriminators. */
  data: unknown;
}

export function describeSchemaErrors(errors: readonly ErrorObject[], options: SchemaErrorOptions): string[] {
  const kept = pruneOneOfNoise(errors, options.data);
  const lines = kept.map((e) => describe(e, options)).filter((l): l is string => l !== undefined);
  return [...new Set(lines)];
}

/**
 * ajv reports every failing oneOf branch. Keep only the branch the discriminator selects; when it
 * selects none, replace everything with one "must be one of" line for the discriminator.
 */
function pruneOneOfNoise(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const oneOfs = errors.filter((e) => e.keyword === "oneOf");
  let out = [...errors];
  for (const oneOf of oneOfs) {
    const branches = (oneOf.schema as Schema[] | undefined) ?? [];
    const discriminator = commonConst(branches);
    const value = valueAt(data, oneOf.instancePath);
    const chosen = discriminator === undefined || !isRecord(value)
      ? -1
      : branches.findIndex((b) => constOf(b, discriminator) === value[discriminator]);
    const prefix = `${oneOf.schemaPath}/`;
    // Drop the other branches' errors and the bare "must match exactly one schema in oneOf" line.
    out = out.filter((e) => e !== oneOf && (!e.schemaPath.startsWith(prefix) || (chosen >= 0 && e.schemaPath.startsWith(`${prefix}${chosen}/`))));
    if (chosen < 0 && isRecord(value) && discriminator !== undefined) {
      const allowed = branches.map((b) => constOf(b, discriminator)).join(", ");
      out.push({
        ...oneOf,
        keyword: "x-discriminator",
        message: `${fieldPath(oneOf.instancePath, discriminator)}: must be one of ${allowed}`,
      });
    }
  }
  return out;
}

function describe(e: ErrorObject, { secretFields }: SchemaErrorOptions): string | undefined {
  const path = fieldPath(e.instancePath);
  const leaf = path.split(".").pop() ?? path;
  const secret = secretFields.has(leaf);
  const shown = secret ? "" : got(e.data);
  const parent = (e.parentSchema ?? {}) as Schema;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "x-discriminator":
      return e.message;
    case "required":
      return `${fieldPath(e.instancePath, String(p.missingProperty))}: is required`;
    case "type":
      return `${path}: must be ${article(String(p.type))}${shown}`;
    case "enum":
      return `${path}: must be one of ${(p.allowedValues as unknown[]).map(String).join(", ")}${shown}`;
    case "const":
      return `${path}: must be ${JSON.stringify(p.allowedValue)}${shown}`;
    case "pattern": {
      const descriptor = typeof parent.pattern_descriptor === "string" ? parent.pattern_descriptor : `match ${String(p.pattern)}`;
      return `${path}: must be in the form ${descriptor}${shown}`;
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `${path}: must be ${String(p.comparison)} ${String(p.limit)}${shown}`;
    case "minLength":
      return p.limit === 1 ? `${path}: must not be empty` : `${path}: must be at least ${String(p.limit)} characters long`;
    case "maxLength":
      return `${path}: must be at most ${String(p.limit)} characters long`;
    case "minItems":
      return `${path}: must list at least ${String(p.limit)} item(s)`;
    case "maxItems":
      return `${path}: must list at most ${String(p.limit)} item(s)`;
    case "format":
      return `${path}: must be a valid ${String(p.format)}${shown}`;
    case "oneOf":
      return `${path}: must match exactly one of the options`;
    default:
      return `${path}: ${e.message ?? "is invalid"}`;
  }
}

function got(value: unknown): string {
  if (value === undefined) return "";
  const text = JSON.stringify(value);
  if (text === undefined) return "";
  return ` (got ${text.length > 60 ? `${text.slice(0, 57)}...` : text})`;
}

function article(type: string): string {
  // ajv joins a type list with commas: "array,null"
  if (type.includes(",")) return type.split(",").map(article).join(" or ");
  if (type === "null") return "null";
  if (type === "integer") return "a whole number";
  if (type === "array") return "a list";
  if (type === "object") return "an object";
  return `a ${type}`;
}

function commonConst(branches: readonly Schema[]): string | undefined {
  const first = branches[0];
  if (first === undefined || !isRecord(first.properties)) return undefined;
  return Object.keys(first.properties).find((k) => branches.every((b) => constOf(b, k) !== undefined));
}

function constOf(branch: Schema, key: string): unknown {
  const props = branch.properties;
  if (!isRecord(props)) return undefined;
  const prop = props[key];
  return isRecord(prop) ? prop.const : undefined;
}

function valueAt(data: unknown, instancePath: string): unknown {
  let cur: unknown = data;
  for (const part of instancePath.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return cur;
}
