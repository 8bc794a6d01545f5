import { describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import { descriptorOf, jsonSchemaOf } from "../streams/catalog/schema.js";
import type { ColumnMeta, TableMeta } from "../streams/api/tables.js";

const col = (name: string, dataType: string, label = name.toUpperCase()): ColumnMeta => ({ name, label, dataType, supportedOperators: [] });

const suppliers: TableMeta = {
  id: "suppliers",
  name: "Suppliers",
  table: "suppliers",
  columns: [
    col("id", "STRING", "ID"),
    col("risk_score", "NUMBER"),
    col("amount", "MONETARY_AMOUNT"),
    col("is_preferred", "BOOL"),
    col("onboarded_on", "DATE"),
    col("updated_at", "TIMESTAMP", "Updated at"),
    col("certifications", "STRING_ARRAY"),
    col("weird", "GEOGRAPHY"),
  ],
  orderBy: ["id"],
};

describe("dataType → JSON schema", () => {
  const props = jsonSchemaOf(suppliers).properties;
  it("maps each documented type, all nullable", () => {
    expect(props["id"]?.["type"]).toEqual(["null", "string"]);
    expect(props["risk_score"]?.["type"]).toEqual(["null", "number"]);
    expect(props["amount"]?.["type"]).toEqual(["null", "number"]);
    expect(props["is_preferred"]?.["type"]).toEqual(["null", "boolean"]);
    expect(props["onboarded_on"]).toMatchObject({ type: ["null", "string"], format: "date" });
    expect(props["updated_at"]).toMatchObject({ type: ["null", "string"], format: "date-time", airbyte_type: "timestamp_with_timezone" });
    expect(props["certifications"]).toMatchObject({ type: ["null", "array"], items: { type: "string" } });
  });
  it("an unknown dataType is permissive (no type constraint)", () => {
    expect(props["weird"]?.["type"]).toBeUndefined();
    const validate = new Ajv({ strict: false }).compile(jsonSchemaOf(suppliers));
    expect(validate({ weird: { lat: 1 }, id: null, certifications: ["ISO"], extra_col: 1 })).toBe(true);
    expect(validate({ id: 5 })).toBe(false);
  });
  it("additionalProperties is true", () => expect(jsonSchemaOf(suppliers).additionalProperties).toBe(true));
});

describe("stream descriptor", () => {
  it("incremental on updated_at, PK from orderBy, resumable, caveat for suppliers", () => {
    const d = descriptorOf(suppliers);
    expect(d.name).toBe("suppliers");
    expect(d.supported_sync_modes).toEqual(["full_refresh", "incremental"]);
    expect(d.default_cursor_field).toEqual(["updated_at"]);
    expect(d.source_defined_cursor).toBe(true);
    expect(d.source_defined_primary_key).toEqual([["id"]]);
    expect(d.is_resumable).toBe(true);
    expect(d.description).toContain("Updated at");
    expect(d.description).toContain("does not advance when enrichment data");
    expect(d.description).toContain("full_snapshot_interval_days");
  });

  it("full refresh only without a TIMESTAMP updated_at; no caveat elsewhere", () => {
    const classification: TableMeta = {
      id: "classification_business_units",
      name: "Business Unit Classification Results",
      table: "classification_business_units",
      columns: [col("spend_id", "STRING"), col("level_1_id", "STRING"), col("updated_at", "STRING")],
      orderBy: ["spend_id"],
    };
    const d = descriptorOf(classification);
    expect(d.supported_sync_modes).toEqual(["full_refresh"]);
    expect(d.default_cursor_field).toBeUndefined();
    expect(d.source_defined_primary_key).toEqual([["spend_id"]]);
    expect(d.description).not.toContain("Caveat");
  });

  it("label keys rename properties, PK and cursor consistently (CAT: they exist in the schema)", () => {
    const keyed: TableMeta = { ...suppliers, columnKeys: Object.fromEntries(suppliers.columns.map((c) => [c.name, c.label])) };
    const d = descriptorOf(keyed);
    expect(Object.keys(d.json_schema.properties)).toContain("Updated at");
    expect(d.default_cursor_field).toEqual(["Updated at"]);
    expect(d.source_defined_primary_key).toEqual([["ID"]]);
    for (const [key] of d.source_defined_primary_key ?? []) expect(d.json_schema.properties[key!]).toBeDefined();
  });

  it("schemas pass draft-7 meta validation and carry no $ref/allOf/not", () => {
    const schema = descriptorOf(suppliers).json_schema;
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(JSON.stringify(schema)).not.toMatch(/"\$ref"|"allOf"|"not"/);
  });
});
