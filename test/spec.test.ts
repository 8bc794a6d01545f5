/**
 * `spec` through the built CLI: exactly one SPEC, valid per the protocol schema, and every CAT TestSpec
 * rule of airbyte-guide §11.2 that can be checked without an image. Plus: spec.json and
 * spec/config.ts (ConnectorConfig) name the same fields.
 */
import { describe, expect, it } from "vitest";
import { createAjv } from "../source/ajv.js";
import { validateConfig } from "../source/config.js";
import { runCli } from "./helpers/cli.js";
import { messageProblems, ofType } from "./helpers/protocol.js";

type Node = Record<string, unknown>;
const SECRET_NAMES = new Set(["client_token", "access_token", "api_token", "token", "secret", "client_secret", "password", "key", "service_account_info", "service_account", "tenant_id", "certificate", "jwt", "credentials", "app_id", "appid", "refresh_token"]);
const FORBIDDEN = ["not", "anyOf", "patternProperties", "prefixItems", "allOf", "if", "then", "else", "dependentSchemas", "dependentRequired"];

/** Every object node with its path; `underProperties` marks nodes that are property names, not keywords. */
function walk(node: unknown, path: string[], visit: (n: Node, path: string[]) => void): void {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, [...path, String(i)], visit));
  else if (node !== null && typeof node === "object") {
    visit(node as Node, path);
    for (const [k, v] of Object.entries(node)) walk(v, [...path, k], visit);
  }
}

const isPropertyName = (path: string[]): boolean => path.at(-2) === "properties";

describe("spec", async () => {
  const result = await runCli({ args: ["spec"] });
  const specs = ofType(result.messages, "SPEC");
  const spec = specs[0]!.spec;
  const conn = spec.connectionSpecification as Node;

  it("prints exactly one valid SPEC message and exits 0", () => {
    expect(result.exitCode).toBe(0);
    expect(result.messages.map((m) => m.type)).toEqual(["SPEC"]);
    expect(messageProblems(specs[0])).toEqual([]);
    expect(spec).toMatchObject({ protocol_version: "0.18.0", supportsIncremental: true });
    expect(spec.documentationUrl).toMatch(/^https:\/\//);
  });

  it("is valid JSON Schema (draft-07) and accepts a minimal config", () => {
    const validate = createAjv().compile(conn);
    expect(validate({ api_token: "t" })).toBe(true);
    expect(validate({})).toBe(false);
  });

  it("follows the CAT spec rules", () => {
    const problems: string[] = [];
    walk(conn, [], (n, path) => {
      const where = path.join("/");
      if (!isPropertyName(path)) {
        for (const k of FORBIDDEN) if (k in n) problems.push(`${where}: forbidden ${k}`);
        if ("$ref" in n) problems.push(`${where}: $ref`);
      }
      if (path.at(-1) !== "properties" && "additionalProperties" in n && n.additionalProperties !== true) problems.push(`${where}: additionalProperties must be true`);
      if (Array.isArray(n.type) && !(n.type.length === 1 || (n.type.length === 2 && n.type[1] === "null"))) problems.push(`${where}: type list`);
      if (n.type === "object" && path.length > 0 && !("oneOf" in n) && Object.keys((n.properties as Node | undefined) ?? {}).length === 0) problems.push(`${where}: empty object`);
      if (n.type === "array" && n.items !== undefined) {
        const items = n.items as Node;
        if (Array.isArray(items) || !(["object", "string", "number", "integer"].includes(String(items.type)) || "enum" in items)) problems.push(`${where}: array items`);
      }
      if (Array.isArray(n.enum) && new Set(n.enum.map((e) => JSON.stringify(e))).size !== n.enum.length) problems.push(`${where}: duplicate enum`);
      if ("display_type" in n && !("oneOf" in n)) problems.push(`${where}: display_type without oneOf`);
      if ("group" in n && path.length !== 2) problems.push(`${where}: nested group`);
      if (n.type === "object" && n.properties !== undefined) {
        const orders = Object.values(n.properties as Record<string, Node>).filter((p) => "order" in p).map((p) => `${String(p.group)}:${String(p.order)}`);
        if (new Set(orders).size !== orders.length) problems.push(`${where}: duplicate order`);
      }
      if (Array.isArray(n.oneOf)) {
        const options = n.oneOf as Node[];
        if (n.type !== "object") problems.push(`${where}: oneOf parent must be an object`);
        if (!options.every((o) => o.properties !== undefined)) problems.push(`${where}: oneOf option without properties`);
        const common = Object.keys((options[0]?.properties as Node) ?? {}).filter((k) => options.every((o) => k in (o.properties as Node)));
        const withConst = common.filter((k) => options.every((o) => "const" in ((o.properties as Record<string, Node>)[k] ?? {})));
        if (withConst.length !== 1) problems.push(`${where}: oneOf needs exactly one common const property, got ${withConst.join(",")}`);
        for (const o of options) {
          const d = (o.properties as Record<string, Node>)[withConst[0] ?? ""] ?? {};
          if ("default" in d && d.default !== d.const) problems.push(`${where}: discriminator default`);
          if ("enum" in d) problems.push(`${where}: discriminator enum`);
        }
      }
      // Secret marking: by property name (last path segment under properties).
      if (isPropertyName(path) && "type" in n) {
        const name = path.at(-1)!.toLowerCase();
        const types = Array.isArray(n.type) ? n.type : [n.type];
        const canStore = types.some((t) => ["string", "integer", "number"].includes(String(t))) && !n.const;
        if (SECRET_NAMES.has(name) && canStore && n.airbyte_secret !== true) problems.push(`${where}: secret not marked`);
        if (n.airbyte_secret === true && !canStore) problems.push(`${where}: marked secret but cannot hold one`);
      }
    });
    expect(problems).toEqual([]);
  });

  it("gives every top-level field a title, a description and a unique order; the token is a required secret", () => {
    const props = conn.properties as Record<string, Node>;
    for (const [name, p] of Object.entries(props)) {
      expect(typeof p.title, name).toBe("string");
      expect(typeof p.description, name).toBe("string");
      expect(typeof p.order, name).toBe("number");
    }
    expect(props.api_token).toMatchObject({ airbyte_secret: true, type: "string" });
    expect(conn.required).toEqual(["api_token"]);
    for (const p of Object.values(props)) if ("pattern" in p) expect(typeof p.pattern_descriptor).toBe("string");
    expect(props.base_url!.default).toBe("https://datatable.igniteprocurement.com");
  });

  it("names exactly the fields of ConnectorConfig (spec/config.ts) and fills every default", () => {
    const { config } = validateConfig({ api_token: "t", start_date: "2024-01-01" });
    expect(Object.keys(config).sort()).toEqual(Object.keys(conn.properties as Node).sort());
    expect(config).toMatchObject({
      read_mode: "auto", export_format: "parquet", page_size: 10000, lookback_window: "PT1H", full_snapshot_interval_days: 7,
      column_keys: "name", filters: {}, max_concurrent_streams: 2, request_timeout_seconds: 300, retry_budget_seconds: 600,
      export_poll_timeout_minutes: 360, export_max_attempts: 3, legacy_data_tables: "off",
      endpoints: { tables: "/tables/", rows: "/tables/{entity}/rows", export_create: "/tables/{entity}/exports", export_status: "", legacy_tables: "/datatables", legacy_rows: "/datatables/rows" },
    });
  });
});
