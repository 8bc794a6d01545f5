/**
 * Config at the door: read the file, drop `_`-prefixed keys (CAT and the CDK treat them as internal),
 * validate against spec.json with its defaults applied, then the checks JSON Schema cannot express.
 * Every problem is reported by field path, all of them in one ConfigError.
 */
import type { Ajv, ValidateFunction } from "ajv";
import { withoutBearer } from "../spec/api-token.js";
import type { ConnectorConfig, EndpointPaths } from "../spec/config.js";
import { loadSpec } from "../spec/index.js";
import { createAjvForOwnSchemas } from "./ajv.js";
import { convertFilters, type FilterEntry } from "./config-filters.js";
import { ConfigError } from "../streams/contract/errors.js";
import { readJsonFile } from "./json-file.js";
import { describeSchemaErrors } from "./schema-errors.js";

/** A ConfigError that also keeps the individual problems (check prints them, tests assert them). */
export class ConfigValidationError extends ConfigError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: ConnectorConfig;
  /** Not errors, but worth a log line (unknown keys: usually a typo). */
  warnings: string[];
}

let compiled: { validate: ValidateFunction; properties: Set<string>; secrets: Set<string> } | undefined;

function validator(): NonNullable<typeof compiled> {
  if (compiled === undefined) {
    const spec = loadSpec().connectionSpecification;
    const ajv: Ajv = createAjvForOwnSchemas({ useDefaults: true, verbose: true });
    const properties = new Set(Object.keys(spec.properties));
    const secrets = new Set(Object.entries(spec.properties).filter(([, p]) => p.airbyte_secret === true).map(([k]) => k));
    compiled = { validate: ajv.compile(spec), properties, secrets };
  }
  return compiled;
}

export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  return validateConfig(await readJsonFile(path, "config"), env);
}

export function validateConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigValidationError(["config: must be a JSON object, e.g. {\"api_token\": \"...\"}"]);
  }
  const { validate, properties, secrets } = validator();
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) if (!key.startsWith("_")) data[key] = value;
  // The UI sends "" for a cleared optional date; it means "not set".
  if (data.start_date === "" || data.start_date === null) delete data.start_date;

  const problems: string[] = [];
  if (!validate(data)) problems.push(...describeSchemaErrors(validate.errors ?? [], { secretFields: secrets, data }));
  const warnings = Object.keys(data)
    .filter((k) => !properties.has(k))
    .map((k) => `config key '${k}' is not a setting of this connector and is ignored`);

  // Checks JSON Schema cannot express. They run even after schema errors (guarded by type checks) so
  // the user sees every problem at once.
  const baseUrl = typeof data.base_url === "string" ? checkBaseUrl(data.base_url, env, problems) : "";
  if (typeof data.start_date === "string" && !isRealDate(data.start_date)) {
    problems.push(`start_date: ${data.start_date} is not a real date`);
  }
  const bareToken = typeof data.api_token === "string" ? withoutBearer(data.api_token) : undefined;
  if (bareToken !== undefined && bareToken !== data.api_token) {
    // Users copy the whole header value from examples; the meaning is clear, so fix it and say so.
    data.api_token = bareToken;
    warnings.push('api_token: the "Bearer " prefix was removed; paste the token only');
    if (data.api_token === "") problems.push("api_token: must not be empty");
  }
  const entries = Array.isArray(data.filters) ? (data.filters as unknown[]).filter(isFilterEntry) : [];
  const filters = convertFilters(entries, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);

  // Past this point the schema guarantees the shapes (types, enums, defaults filled in).
  const config: ConnectorConfig = {
    api_token: String(data.api_token).trim(),
    base_url: baseUrl,
    read_mode: data.read_mode as ConnectorConfig["read_mode"],
    export_format: data.export_format as ConnectorConfig["export_format"],
    page_size: data.page_size as number,
    lookback_window: data.lookback_window as string,
    full_snapshot_interval_days: data.full_snapshot_interval_days as number,
    column_keys: data.column_keys as ConnectorConfig["column_keys"],
    filters,
    max_concurrent_streams: data.max_concurrent_streams as number,
    request_timeout_seconds: data.request_timeout_seconds as number,
    retry_budget_seconds: data.retry_budget_seconds as number,
    export_poll_timeout_minutes: data.export_poll_timeout_minutes as number,
    export_max_attempts: data.export_max_attempts as number,
    legacy_data_tables: legacyTables(data.legacy_data_tables as { mode: string; ids?: string[] }),
    endpoints: data.endpoints as EndpointPaths,
  };
  if (typeof data.start_date === "string") config.start_date = data.start_date;
  return { config, warnings };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** https everywhere; plain http only to this machine (the simulator, a local proxy). Trailing `/` dropped. */
function checkBaseUrl(value: string, env: NodeJS.ProcessEnv, problems: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`base_url: ${value} is not a valid URL`);
    return value;
  }
  if (url.protocol === "http:") {
    if (!LOOPBACK.test(url.hostname)) problems.push("base_url: must use https for non-loopback hosts");
    else if ((env.DEPLOYMENT_MODE ?? "").toLowerCase() === "cloud") problems.push("base_url: must use https in Airbyte Cloud");
  } else if (url.protocol !== "https:") {
    problems.push("base_url: must start with https://");
  }
  if (url.username !== "" || url.password !== "") problems.push("base_url: must not contain a user name or password; use api_token");
  return value.replace(/\/+$/, "");
}

function legacyTables(value: { mode: string; ids?: string[] }): ConnectorConfig["legacy_data_tables"] {
  if (value.mode === "all") return "all";
  if (value.mode === "ids") return [...new Set(value.ids ?? [])];
  return "off";
}

/** Date.parse accepts 2024-02-30 (rolls over); a date the user typed must exist as written. */
function isRealDate(value: string): boolean {
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) return false;
  return value.length !== 10 || new Date(ms).toISOString().slice(0, 10) === value;
}

function isFilterEntry(v: unknown): v is FilterEntry {
  if (v === null || typeof v !== "object") return false;
  const e = v as Record<string, unknown>;
  return typeof e.stream === "string" && typeof e.column === "string" && typeof e.operator === "string" &&
    (e.value === undefined || typeof e.value === "string");
}
