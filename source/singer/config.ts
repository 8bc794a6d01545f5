/**
 * Singer config: `--config FILE` may be repeated (later files override earlier keys, as in the Meltano
 * SDK), and `--config ENV` reads every setting from `TAP_IGNITE_PROCUREMENT_<SETTING>` variables. The
 * merged object then goes through the same validation as the Airbyte config.
 */
import { loadSpec, type JsonSchema } from "../../spec/index.js";
import { validateConfig, type LoadedConfig } from "../config.js";
import { ConfigError } from "../../streams/contract/errors.js";
import { readJsonFile } from "../json-file.js";

export const ENV_PREFIX = "TAP_IGNITE_PROCUREMENT_";

export async function loadSingerConfig(sources: readonly string[], env: NodeJS.ProcessEnv): Promise<LoadedConfig> {
  if (sources.length === 0) throw new ConfigError("Missing --config FILE (or --config ENV to read TAP_IGNITE_PROCUREMENT_* variables)");
  const merged: Record<string, unknown> = {};
  for (const source of sources) {
    const part = source === "ENV" ? configFromEnv(env) : await readJsonFile(source, "config");
    if (part === null || typeof part !== "object" || Array.isArray(part)) {
      throw new ConfigError(`--config ${source}: must contain a JSON object, e.g. {"api_token": "..."}`);
    }
    Object.assign(merged, part);
  }
  return validateConfig(merged, env);
}

/** Settings from the environment, converted by the type the spec gives each setting. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const properties = loadSpec().connectionSpecification.properties;
  const config: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const value = env[`${ENV_PREFIX}${name.toUpperCase()}`];
    if (value !== undefined && value !== "") config[name] = fromText(name, value, schema);
  }
  return config;
}

function fromText(name: string, text: string, schema: JsonSchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "integer" || type === "number") {
    const n = Number(text);
    if (!Number.isFinite(n)) throw new ConfigError(`${ENV_PREFIX}${name.toUpperCase()}: ${name} must be a number`);
    return n;
  }
  if (type === "boolean") return /^(true|1|yes)$/i.test(text);
  if (type === "object" || type === "array") {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ConfigError(`${ENV_PREFIX}${name.toUpperCase()}: ${name} must be JSON (an ${type})`);
    }
  }
  return text;
}
