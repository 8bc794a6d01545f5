/**
 * A Singer catalog (`--catalog`/`--properties`) turned into the configured catalog the runtime reads:
 * stream selection from `selected` (root metadata, then the stream-level field, then
 * `selected-by-default`), column deselection from property metadata, and the replication method from
 * metadata or the stream-level field. Without a catalog every stream is read with its default method.
 */
import type { Stream, SyncMode } from "../../streams/contract/stream.js";
import type { ConfiguredCatalog, ConfiguredStream } from "../catalog.js";
import { ConfigError } from "../../streams/contract/errors.js";
import { keyProperties, replicationKey } from "./catalog.js";
import { isRecord } from "../../streams/contract/json-object.js";

type Json = Record<string, unknown>;

/** Singer method → Airbyte sync mode. LOG_BASED has no meaning here beyond "incremental". */
const METHODS: Record<string, SyncMode> = { INCREMENTAL: "incremental", LOG_BASED: "incremental", FULL_TABLE: "full_refresh" };

/** Every stream, incremental where it can be: what a tap does when it is run without a catalog. */
export function allStreams(streams: readonly Stream[]): ConfiguredCatalog {
  return { streams: streams.map((s) => configured(s.name, defaultMode(s), [])) };
}

export function fromSingerCatalog(raw: unknown, streams: readonly Stream[], warn: (message: string) => void): ConfiguredCatalog {
  if (!isRecord(raw) || !Array.isArray(raw.streams)) {
    throw new ConfigError('Invalid catalog: must be a Singer catalog {"streams": [...]} as printed by --discover');
  }
  const out: ConfiguredStream[] = [];
  const seen = new Set<string>();
  raw.streams.forEach((entry, i) => {
    if (!isRecord(entry)) throw new ConfigError(`Invalid catalog: streams[${i}] must be an object`);
    const name = entry.tap_stream_id ?? entry.stream;
    if (typeof name !== "string" || name === "") throw new ConfigError(`Invalid catalog: streams[${i}] has no tap_stream_id`);
    const metadata = metadataOf(entry, i);
    const root = metadata.get("") ?? {};
    if (!isSelected(root, entry)) return;
    if (seen.has(name)) throw new ConfigError(`Invalid catalog: stream '${name}' is selected twice`);
    seen.add(name);
    const stream = streams.find((s) => s.name === name || s.matchesName?.(name) === true);
    const mode = syncMode(name, root, entry, stream, warn);
    const cursor = root["replication-key"] ?? entry.replication_key;
    const c = configured(name, mode, selectedProperties(entry, metadata, stream, mode));
    if (mode === "incremental" && typeof cursor === "string" && cursor !== "") c.cursor_field = [cursor];
    out.push(c);
  });
  if (out.length === 0) warn("The catalog selects no stream: nothing to read (select streams with `meltano select` or metadata `selected: true`)");
  return { streams: out };
}

function configured(name: string, mode: SyncMode, properties: readonly string[]): ConfiguredStream {
  // An empty property list means "every property" to resolveCatalog.
  return { stream: { name, json_schema: { properties: Object.fromEntries(properties.map((p) => [p, {}])) } }, sync_mode: mode };
}

function defaultMode(stream: Stream | undefined): SyncMode {
  return stream !== undefined && replicationKey(stream.descriptor) !== undefined ? "incremental" : "full_refresh";
}

/** Metadata by breadcrumb (joined with "/"; the root is ""). */
function metadataOf(entry: Json, i: number): Map<string, Json> {
  const list = entry.metadata ?? [];
  if (!Array.isArray(list)) throw new ConfigError(`Invalid catalog: streams[${i}].metadata must be a list`);
  const byCrumb = new Map<string, Json>();
  for (const m of list) {
    if (!isRecord(m) || !Array.isArray(m.breadcrumb) || !isRecord(m.metadata)) {
      throw new ConfigError(`Invalid catalog: streams[${i}].metadata entries need a breadcrumb list and a metadata object`);
    }
    byCrumb.set(m.breadcrumb.map(String).join("/"), m.metadata);
  }
  return byCrumb;
}

function isSelected(root: Json, entry: Json): boolean {
  const flag = root.selected ?? entry.selected ?? root["selected-by-default"];
  return flag === true;
}

function syncMode(name: string, root: Json, entry: Json, stream: Stream | undefined, warn: (m: string) => void): SyncMode {
  const asked = root["replication-method"] ?? entry.replication_method ?? root["forced-replication-method"];
  if (asked === undefined || asked === null || asked === "") return defaultMode(stream);
  const mode = typeof asked === "string" ? METHODS[asked.toUpperCase()] : undefined;
  if (mode === undefined) {
    warn(`Stream '${name}': replication method ${JSON.stringify(asked)} is unknown (use INCREMENTAL or FULL_TABLE); using the stream's default`);
    return defaultMode(stream);
  }
  return mode;
}

/**
 * Properties to read: those not deselected, plus the keys and the cursor, which the stream needs
 * whatever the catalog says (Singer's `inclusion: automatic`). `unsupported` is never read.
 */
function selectedProperties(entry: Json, metadata: Map<string, Json>, stream: Stream | undefined, mode: SyncMode): string[] {
  const schema = isRecord(entry.schema) && isRecord(entry.schema.properties) ? entry.schema.properties : {};
  const names = Object.keys(schema);
  const forced = new Set(stream === undefined ? [] : [...keyProperties(stream.descriptor), ...(mode === "incremental" ? [replicationKey(stream.descriptor) ?? ""] : [])]);
  const kept = names.filter((name) => {
    const md = metadata.get(`properties/${name}`) ?? {};
    if (md.inclusion === "unsupported") return false;
    if (md.inclusion === "automatic" || forced.has(name)) return true;
    return (md.selected ?? md["selected-by-default"] ?? true) !== false;
  });
  // Everything kept: say nothing, so columns added to the table since discover are read too.
  return kept.length === names.length ? [] : kept;
}
