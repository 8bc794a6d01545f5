/**
 * metadata.yaml is what Airbyte's registry and CAT read about this connector. It must validate
 * against the vendored ConnectorMetadataDefinitionV0 schema and agree with the other places the
 * same facts live: package.json (version), the Dockerfile (labels, entrypoint), spec/spec.json
 * (documentationUrl, supportsIncremental) and acceptance-test-config.yml (image, inputs).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const schemaPath = join(repo, "test/fixtures/airbyte-protocol/connector-metadata/ConnectorMetadataDefinitionV0.json");

type Json = Record<string, unknown>;
const readJson = (rel: string): Json => JSON.parse(readFileSync(join(repo, rel), "utf8")) as Json;
const readYaml = (rel: string): Json => parseYaml(readFileSync(join(repo, rel), "utf8")) as Json;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

const JSON_TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);

/**
 * The two upstream quirks of the bundled schema (fixtures README §2), fixed on a deep copy:
 * nested `$id`s re-base internal refs (MissingRefError), and `type: ConnectorMetric` is not a JSON type.
 */
function workaroundSchema(schema: unknown, root = true): unknown {
  if (Array.isArray(schema)) return schema.map((s) => workaroundSchema(s, false));
  if (schema === null || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) {
    if (!root && (k === "$id" || k === "$schema")) continue;
    if (k === "type" && typeof v === "string" && !JSON_TYPES.has(v)) out[k] = "object";
    else out[k] = workaroundSchema(v, false);
  }
  return out;
}

function compileMetadataSchema(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  // ajv-formats is CommonJS; under NodeNext its default import is the module namespace
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
  addFormats(ajv);
  return ajv.compile(workaroundSchema(JSON.parse(readFileSync(schemaPath, "utf8"))) as Json);
}

/** LABEL key=value pairs and the ENV/ENTRYPOINT of the Dockerfile's last (runtime) stage. */
function dockerfileRuntime(): { labels: Record<string, string>; env: Record<string, string>; entrypoint: string[] } {
  const text = readFileSync(join(repo, "Dockerfile"), "utf8").replace(/\\\r?\n/g, " ");
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const labels: Record<string, string> = {};
  const env: Record<string, string> = {};
  let entrypoint: string[] = [];
  const pairs = (s: string, into: Record<string, string>): void => {
    for (const m of s.matchAll(/([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) into[m[1]!] = m[2] ?? m[3] ?? "";
  };
  for (const line of lines.slice(lastFrom)) {
    const m = /^(LABEL|ENV|ENTRYPOINT)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const [, instr, rest] = m as unknown as [string, string, string];
    if (instr.toUpperCase() === "LABEL") pairs(rest, labels);
    else if (instr.toUpperCase() === "ENV") pairs(rest, env);
    else entrypoint = JSON.parse(rest) as string[];
  }
  return { labels, env, entrypoint };
}

describe("metadata.yaml", () => {
  const metadata = readYaml("metadata.yaml");
  const data = obj(metadata["data"]);
  const pkg = readJson("package.json");

  it("validates against ConnectorMetadataDefinitionV0 (quirks worked around in memory only)", () => {
    const validate = compileMetadataSchema();
    const ok = validate(metadata);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the schema check is not vacuous: an unknown key and a bad uuid are rejected", () => {
    const validate = compileMetadataSchema();
    expect(validate({ ...metadata, data: { ...data, notAField: 1 } })).toBe(false);
    expect(validate({ ...metadata, data: { ...data, definitionId: "not-a-uuid" } })).toBe(false);
    expect(validate({ ...metadata, data: { ...data, releaseStage: "gamma" } })).toBe(false);
  });

  it("the schema fixture itself is untouched (the quirks are still there to work around)", () => {
    const raw = readFileSync(schemaPath, "utf8");
    expect(raw).toContain('"ConnectorMetric"');
  });

  it("has the fields this project promises", () => {
    expect(data["connectorType"]).toBe("source");
    expect(data["dockerRepository"]).toBe("airbyte/source-ignite-procurement");
    expect(data["tags"]).toContain("language:typescript");
    expect(data["supportLevel"]).toBe("community");
    expect(data["releaseStage"]).toBe("alpha");
    expect(obj(data["allowedHosts"])["hosts"]).toEqual(expect.arrayContaining(["datatable.igniteprocurement.com"]));
    const suggested = obj(data["suggestedStreams"])["streams"] as string[];
    expect(suggested.length).toBeGreaterThan(0);
  });

  it("dockerImageTag equals the package.json version", () => {
    expect(data["dockerImageTag"]).toBe(pkg["version"]);
  });

  it("Dockerfile labels match dockerRepository and dockerImageTag (CAT test_image_labels)", () => {
    const { labels } = dockerfileRuntime();
    expect(labels["io.airbyte.name"]).toBe(data["dockerRepository"]);
    expect(labels["io.airbyte.version"]).toBe(data["dockerImageTag"]);
  });

  it("Dockerfile AIRBYTE_ENTRYPOINT equals the ENTRYPOINT joined by spaces, with absolute paths", () => {
    const { env, entrypoint } = dockerfileRuntime();
    expect(entrypoint.length).toBeGreaterThan(0);
    expect(env["AIRBYTE_ENTRYPOINT"]).toBe(entrypoint.join(" "));
    for (const part of entrypoint) if (part.includes("/")) expect(part.startsWith("/")).toBe(true);
  });

  it("documentationUrl equals spec.json's", () => {
    expect(existsSync(join(repo, "spec/spec.json")), "spec/spec.json is missing").toBe(true);
    expect(data["documentationUrl"]).toBe(readJson("spec/spec.json")["documentationUrl"]);
  });
});

describe("acceptance-test-config.yml", () => {
  const cat = readYaml("acceptance-test-config.yml");
  const data = obj(readYaml("metadata.yaml")["data"]);
  const spec = readJson("spec/spec.json");
  const tests = obj(cat["acceptance_tests"]);
  const section = (name: string): Json[] => (obj(tests[name])["tests"] as Json[] | undefined) ?? [];

  it("names the image of metadata.yaml", () => {
    expect(String(cat["connector_image"]).split(":")[0]).toBe(data["dockerRepository"]);
  });

  it("runs the incremental tests exactly when the spec says supportsIncremental", () => {
    const incremental = obj(tests["incremental"]);
    expect(spec["supportsIncremental"]).toBeTypeOf("boolean");
    if (spec["supportsIncremental"] === true) {
      expect(section("incremental").length).toBeGreaterThan(0);
      expect(incremental["bypass_reason"]).toBeUndefined();
    } else {
      expect(incremental["bypass_reason"]).toBeTypeOf("string");
    }
  });

  it("covers every core section (CAT 'high' fails on a missing one)", () => {
    for (const name of ["spec", "connection", "discovery", "basic_read", "full_refresh", "incremental"]) {
      expect(section(name).length + (obj(tests[name])["bypass_reason"] ? 1 : 0), name).toBeGreaterThan(0);
    }
  });

  it("every referenced input file in integration_tests/ exists and parses", () => {
    const paths = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v as Json)) {
          if (typeof x === "string" && k.endsWith("_path") && x.startsWith("integration_tests/")) paths.add(x);
          else walk(x);
        }
      }
    };
    walk(tests);
    expect(paths.size).toBeGreaterThan(2);
    for (const p of paths) expect(() => readJson(p), p).not.toThrow();
  });

  it("sample and invalid configs validate against the spec's connectionSpecification (CAT test_config_match_spec)", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(obj(spec["connectionSpecification"]));
    for (const p of ["integration_tests/sample_config.json", "integration_tests/invalid_config.json"]) {
      expect(validate(readJson(p)), `${p}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("the configured catalog and the future state name the same incremental streams", () => {
    const catalog = readJson("integration_tests/configured_catalog.json");
    const streams = (catalog["streams"] as Json[]).map((s) => obj(s["stream"])["name"]);
    const futurePath = String(obj(section("incremental")[0]?.["future_state"])["future_state_path"]);
    const future = JSON.parse(readFileSync(join(repo, futurePath), "utf8")) as Json[];
    const futureNames = future.map((s) => obj(obj(s["stream"])["stream_descriptor"])["name"]);
    expect(futureNames.sort()).toEqual([...streams].sort());
    for (const s of future) expect(s["type"]).toBe("STREAM");
  });
});
