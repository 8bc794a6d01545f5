import { describe, expect, it } from "vitest";
import { SystemError } from "../streams/contract/errors.js";
import { parseTables } from "../streams/http/tables.js";

const documented = [
  {
    id: "spend",
    name: "Spend",
    table: "spend",
    columns: [
      { name: "id", label: "ID", dataType: "STRING", supportedOperators: ["eq", "in"] },
      { name: "amount", label: "Amount", dataType: "MONETARY_AMOUNT", supportedOperators: ["eq", "in", "gte", "lte", "between"] },
    ],
    orderBy: ["id"],
  },
];

describe("parseTables (GET /tables/)", () => {
  it("parses the documented sample", () => {
    const [spend] = parseTables(documented);
    expect(spend?.id).toBe("spend");
    expect(spend?.columns.map((c) => c.name)).toEqual(["id", "amount"]);
    expect(spend?.orderBy).toEqual(["id"]);
  });

  it("tolerates unknown fields and unknown dataTypes", () => {
    const extra = [{ ...documented[0], rowCount: 5, columns: [{ name: "id", label: "ID", dataType: "GEO", nullable: true, supportedOperators: [] }] }];
    const [t] = parseTables(extra);
    expect(t?.columns[0]?.dataType).toBe("GEO");
  });

  const broken: [string, unknown, RegExp][] = [
    ["not an array", { tables: [] }, /is not a JSON array/],
    ["a table without id", [{ name: "x", columns: [] }], /tables\[0\] has no `id`/],
    ["columns not a list", [{ id: "x", columns: {} }], /table "x" has no `columns` list/],
    ["a column without name", [{ id: "x", columns: [{ label: "L" }] }], /columns\[0\] has no `name`/],
    ["duplicate column", [{ id: "x", columns: [{ name: "a" }, { name: "a" }] }], /lists column "a" twice/],
    ["orderBy on a missing column", [{ id: "x", columns: [{ name: "a" }], orderBy: ["b"] }], /orders by "b"/],
    ["duplicate table", [{ id: "x", columns: [] }, { id: "x", columns: [] }], /table "x" appears twice/],
    ["operators not strings", [{ id: "x", columns: [{ name: "a", supportedOperators: [1] }] }], /supportedOperators is not a list of strings/],
  ];
  for (const [name, value, message] of broken) {
    it(`fails clearly on ${name}`, () => {
      expect(() => parseTables(value)).toThrow(SystemError);
      expect(() => parseTables(value)).toThrow(message);
    });
  }
});
