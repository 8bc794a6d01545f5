/**
 * One way to build an ajv instance (ESM/CJS interop of ajv-formats lives here only). strict:false
 * because our schemas carry Airbyte UI keywords (`order`, `airbyte_secret`, ...) that ajv does not know.
 */
import { Ajv, type Options } from "ajv";
import addFormatsModule from "ajv-formats";

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, ...options });
  addFormats(ajv);
  return ajv;
}

/**
 * For the connector's own fixed schemas (the spec, the configured catalog's shape): no check of the schema
 * itself against the JSON Schema meta-schema, which costs every process ≈ 28 ms of compiling per ajv
 * instance. test/own-schemas.test.ts makes that check once, for every schema compiled this way.
 */
export function createAjvForOwnSchemas(options: Options = {}): Ajv {
  return createAjv({ ...options, validateSchema: false });
}

/** `/filters/0/value` → `filters[0].value`: the path a user finds in their config. */
export function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  let out = "";
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : out === "" ? part : `.${part}`;
  return out === "" ? "(root)" : out;
}
