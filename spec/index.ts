/**
 * The connector specification, read from spec.json at runtime (the build copies it next to this
 * module) so that `spec`, config validation and the tests all use the same bytes.
 */
import { readFileSync } from "node:fs";

/** JSON Schema fragment; the spec is data, so its inner shape stays open. */
export type JsonSchema = { [key: string]: unknown };

export interface ConnectorSpecification {
  documentationUrl: string;
  changelogUrl?: string;
  protocol_version?: string;
  supportsIncremental?: boolean;
  supported_destination_sync_modes?: string[];
  connectionSpecification: JsonSchema & { properties: Record<string, JsonSchema> };
  [key: string]: unknown;
}

let cached: ConnectorSpecification | undefined;

/** Parsed once per process; callers get a deep copy so nobody can mutate the shared spec. */
export function loadSpec(): ConnectorSpecification {
  if (cached === undefined) {
    const text = readFileSync(new URL("./spec.json", import.meta.url), "utf8");
    cached = JSON.parse(text) as ConnectorSpecification;
  }
  return structuredClone(cached);
}
