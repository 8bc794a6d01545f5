/**
 * The configured catalog at the door. Structure is checked with a small schema kept in code: the
 * subset of the protocol's ConfiguredAirbyteCatalog a source relies on (the full vendored schema is a
 * test fixture, and rejecting an unknown destination_sync_mode would break CAT's INVALID-catalog test
 * without protecting anything a source does). Then each configured stream is matched to a discovered
 * Stream: unknown streams, unsupported sync modes and unusable cursors fail just that stream.
 */
import type { ValidateFunction } from "ajv";
import type { Stream, SyncMode } from "../streams/contract/stream.js";
import { createAjvForOwnSchemas } from "./ajv.js";
import { ConfigError } from "../streams/contract/errors.js";
import { readJsonFile } from "./json-file.js";
import type { StreamRef } from "./messages.js";
import { describeSchemaErrors } from "./schema-errors.js";

/**
 * Optional fields may be `null` as well as absent: Airbyte's own test suites serialize unset fields of
 * their pydantic models as `null` (cursor_field, primary_key, generation_id, sync_id, ...). Both mean "not set".
 */
export interface ConfiguredStream {
  stream: { name: string; namespace?: string | null; json_schema: { properties?: Record<string, unknown> } };
  sync_mode: string;
  cursor_field?: string[] | null;
  primary_key?: string[][] | null;
  destination_sync_mode?: string | null;
}

export interface ConfiguredCatalog {
  streams: ConfiguredStream[];
}

/** A configured stream ready to read. */
export interface StreamRun {
  readonly ref: StreamRef;
  readonly stream: Stream;
  readonly syncMode: SyncMode;
  readonly selectedProperties: readonly string[];
}

/** A configured stream that cannot be read; the runtime reports it as INCOMPLETE with this error. */
export interface RejectedStream {
  readonly ref: StreamRef;
  readonly error: ConfigError;
}

export const CATALOG_SCHEMA = {
  type: "object",
  required: ["streams"],
  properties: {
    streams: {
      type: "array",
      items: {
        type: "object",
        required: ["stream", "sync_mode"],
        properties: {
          stream: {
            type: "object",
            required: ["name", "json_schema"],
            properties: {
              name: { type: "string", minLength: 1 },
              namespace: { type: ["string", "null"] },
              json_schema: { type: "object" },
            },
          },
          sync_mode: { type: "string" },
          cursor_field: { type: ["array", "null"], items: { type: "string" } },
          primary_key: { type: ["array", "null"], items: { type: "array", items: { type: "string" } } },
        },
      },
    },
  },
} as const;

let compiled: ValidateFunction<ConfiguredCatalog> | undefined;
/** Compiled on first use: `spec` and `check` never pay for it. */
const validateCatalog = (): ValidateFunction<ConfiguredCatalog> => (compiled ??= createAjvForOwnSchemas({ verbose: true }).compile<ConfiguredCatalog>(CATALOG_SCHEMA));

export async function loadCatalog(path: string): Promise<ConfiguredCatalog> {
  return parseCatalog(await readJsonFile(path, "catalog"));
}

export function parseCatalog(raw: unknown): ConfiguredCatalog {
  const validate = validateCatalog();
  if (!validate(raw)) {
    const problems = describeSchemaErrors(validate.errors ?? [], { secretFields: new Set(), data: raw });
    throw new ConfigError(`Invalid configured catalog: ${problems.map((p) => `catalog.${p}`).join("; ")}`);
  }
  const seen = new Set<string>();
  for (const configured of raw.streams) {
    const key = `${configured.stream.namespace ?? ""}.${configured.stream.name}`;
    if (seen.has(key)) throw new ConfigError(`Invalid configured catalog: stream '${configured.stream.name}' is configured twice`);
    seen.add(key);
  }
  return raw;
}

export function resolveCatalog(
  catalog: ConfiguredCatalog,
  streams: readonly Stream[],
  warn: (message: string) => void,
): { runs: StreamRun[]; rejected: RejectedStream[] } {
  const runs: StreamRun[] = [];
  const rejected: RejectedStream[] = [];
  for (const configured of catalog.streams) {
    const ref = refOf(configured);
    const stream =
      streams.find((s) => s.name === ref.name && sameNamespace(s.descriptor.namespace, ref.namespace)) ??
      // A stream may still answer to an older name (a legacy data table renamed since discover).
      streams.find((s) => s.matchesName?.(ref.name) === true && sameNamespace(s.descriptor.namespace, ref.namespace));
    if (stream === undefined) {
      const available = streams.map((s) => s.name).join(", ") || "none";
      rejected.push({ ref, error: new ConfigError(`Stream '${ref.name}' does not exist in this Ignite tenant (available: ${available}). Refresh the source schema.`) });
      continue;
    }
    try {
      const syncMode = checkSyncMode(configured, stream, warn);
      runs.push({ ref, stream, syncMode, selectedProperties: selection(configured, stream, warn) });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      rejected.push({ ref, error: err });
    }
  }
  return { runs, rejected };
}

function refOf(configured: ConfiguredStream): StreamRef {
  const ns = configured.stream.namespace;
  return typeof ns === "string" ? { name: configured.stream.name, namespace: ns } : { name: configured.stream.name };
}

function sameNamespace(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function checkSyncMode(configured: ConfiguredStream, stream: Stream, warn: (m: string) => void): SyncMode {
  const name = stream.name;
  const supported = stream.descriptor.supported_sync_modes;
  const mode = configured.sync_mode;
  if (mode !== "full_refresh" && mode !== "incremental") {
    throw new ConfigError(`Stream '${name}': sync_mode '${mode}' is not supported; use one of ${supported.join(", ")}`);
  }
  if (mode === "incremental" && !supported.includes(mode) && supported.includes("full_refresh")) {
    // PyAirbyte asks for incremental on every stream; the Python CDK reads such streams in full, and so do we.
    warn(`Stream '${name}': sync_mode 'incremental' is not supported by this stream; reading it as full_refresh`);
    return "full_refresh";
  }
  if (!supported.includes(mode)) {
    throw new ConfigError(`Stream '${name}': sync_mode '${mode}' is not supported by this stream; use one of ${supported.join(", ")}`);
  }
  if (mode === "incremental") checkCursor(configured, stream, warn);
  return mode;
}

/** Streams implement only their own cursor; a different one is accepted only where the source defines it. */
function checkCursor(configured: ConfiguredStream, stream: Stream, warn: (m: string) => void): void {
  const d = stream.descriptor;
  const own = d.default_cursor_field ?? [];
  const asked = configured.cursor_field ?? [];
  if (own.length === 0) {
    throw new ConfigError(`Stream '${stream.name}': incremental sync needs a cursor, and this stream has none; use full_refresh`);
  }
  if (asked.length === 0 || samePath(asked, own)) return;
  if (!(asked[0]! in d.json_schema.properties)) {
    throw new ConfigError(`Stream '${stream.name}': cursor_field '${asked.join(".")}' does not exist in the stream; the cursor is '${own.join(".")}'`);
  }
  if (d.source_defined_cursor === true) {
    warn(`Stream '${stream.name}': cursor_field '${asked.join(".")}' ignored; this stream always uses its own cursor '${own.join(".")}'`);
    return;
  }
  throw new ConfigError(`Stream '${stream.name}': cursor_field '${asked.join(".")}' is not supported; use '${own.join(".")}'`);
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

/** The configured json_schema's properties (UI field selection), limited to what discover announced. */
function selection(configured: ConfiguredStream, stream: Stream, warn: (m: string) => void): string[] {
  const known = stream.descriptor.json_schema.properties;
  const asked = Object.keys(configured.stream.json_schema.properties ?? {});
  if (asked.length === 0) return Object.keys(known);
  const unknown = asked.filter((p) => !(p in known));
  if (unknown.length > 0) {
    warn(`Stream '${stream.name}': ignoring fields that no longer exist: ${unknown.join(", ")}. Refresh the source schema.`);
  }
  const kept = asked.filter((p) => p in known);
  return kept.length > 0 ? kept : Object.keys(known);
}
