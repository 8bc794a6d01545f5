/**
 * Discover in Singer terms: each Airbyte stream descriptor becomes a Singer catalog entry with the
 * stream-level fields (key_properties, replication_key, replication_method) and the metadata list that
 * Meltano edits for selection (`selected`) and replication (`replication-method`).
 */
import type { StreamDescriptor } from "../../streams/contract/stream.js";

export type ReplicationMethod = "INCREMENTAL" | "FULL_TABLE";

export interface MetadataEntry {
  breadcrumb: string[];
  metadata: Record<string, unknown>;
}

export interface SingerCatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: Record<string, unknown>;
  key_properties: string[];
  replication_key?: string;
  replication_method: ReplicationMethod;
  metadata: MetadataEntry[];
}

export interface SingerCatalog {
  streams: SingerCatalogEntry[];
}

/**
 * Singer keys are top-level property names. Our streams' keys are one-column paths; a nested path has
 * no Singer spelling and is left out rather than flattened into a wrong key.
 */
export function keyProperties(d: StreamDescriptor): string[] {
  return (d.source_defined_primary_key ?? []).filter((path) => path.length === 1).map((path) => path[0]!);
}

/** The stream's own cursor when it can be read incrementally, else undefined (full table only). */
export function replicationKey(d: StreamDescriptor): string | undefined {
  const cursor = d.default_cursor_field ?? [];
  return d.supported_sync_modes.includes("incremental") && cursor.length === 1 ? cursor[0] : undefined;
}

export function singerCatalog(descriptors: readonly StreamDescriptor[]): SingerCatalog {
  return { streams: descriptors.map(catalogEntry) };
}

function catalogEntry(d: StreamDescriptor): SingerCatalogEntry {
  const keys = keyProperties(d);
  const cursor = replicationKey(d);
  const root: Record<string, unknown> = { inclusion: "available", "table-key-properties": keys };
  if (cursor !== undefined) root["valid-replication-keys"] = [cursor];
  else root["forced-replication-method"] = "FULL_TABLE";
  if (d.description !== undefined) root["description"] = d.description;
  // Keys and the cursor are always read (the stream needs them to resume); everything else is the user's choice.
  const automatic = new Set([...keys, ...(cursor === undefined ? [] : [cursor])]);
  const properties: MetadataEntry[] = Object.keys(d.json_schema.properties).map((name) => ({
    breadcrumb: ["properties", name],
    metadata: { inclusion: automatic.has(name) ? "automatic" : "available" },
  }));
  const entry: SingerCatalogEntry = {
    tap_stream_id: d.name,
    stream: d.name,
    schema: d.json_schema,
    key_properties: keys,
    replication_method: cursor === undefined ? "FULL_TABLE" : "INCREMENTAL",
    metadata: [{ breadcrumb: [], metadata: root }, ...properties],
  };
  if (cursor !== undefined) entry.replication_key = cursor;
  return entry;
}
