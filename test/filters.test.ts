import { describe, expect, it } from "vitest";
import { ConfigError } from "../streams/contract/errors.js";
import { filterProblems, validateFilters } from "../streams/catalog/filters.js";
import type { ColumnMeta, TableMeta } from "../streams/api/tables.js";

const SCALAR = ["eq", "in", "gte", "lte", "between"];
const col = (name: string, dataType: string, ops = SCALAR, label = name): ColumnMeta => ({ name, label, dataType, supportedOperators: ops });
const spend: TableMeta = {
  id: "spend",
  name: "Spend",
  table: "spend",
  columns: [
    col("id", "STRING", ["eq", "in"], "ID"),
    col("amount", "MONETARY_AMOUNT"),
    col("invoice_date", "DATE"),
    col("updated_at", "TIMESTAMP"),
    col("is_contracted", "BOOL", ["eq"]),
    col("tags", "STRING_ARRAY", ["contains_any", "contains_all", "is_empty", "is_not_empty"]),
  ],
  orderBy: ["id"],
};

const problems = (f: Record<string, Record<string, Record<string, unknown>>>) => filterProblems(f, [spend]);

describe("filters validation against GET /tables/ metadata", () => {
  it("accepts valid filters, several operators on one column", () => {
    expect(
      problems({
        spend: {
          amount: { gte: 100, lte: 500 },
          invoice_date: { between: ["2026-01-01", "2026-03-31"] },
          updated_at: { gte: "2026-01-15T00:00:00Z" },
          id: { in: ["a", "b"] },
          is_contracted: { eq: true },
          tags: { contains_any: ["x"], is_not_empty: true },
        },
      }),
    ).toEqual([]);
  });

  it("names the path for an unknown stream", () => {
    expect(problems({ spnd: { id: { eq: "a" } } })[0]).toMatch(/^filters\.spnd: there is no stream "spnd"; streams are spend/);
  });

  it("names the path for an unknown column and suggests the name when a label was used", () => {
    expect(problems({ spend: { nope: { eq: 1 } } })[0]).toMatch(/^filters\.spend\.nope: spend has no column "nope"; columns are id, amount/);
    expect(problems({ spend: { ID: { eq: "a" } } })[0]).toBe('filters.spend.ID: filters use column names, not labels; use "id" instead of "ID"');
  });

  it("rejects an unsupported operator and lists the supported ones", () => {
    expect(problems({ spend: { id: { gte: "a" } } })[0]).toBe('filters.spend.id.gte: operator "gte" is not supported by id (STRING); use one of eq, in');
    expect(problems({ spend: { tags: { eq: "x" } } })[0]).toMatch(/^filters\.spend\.tags\.eq: .*contains_any/);
  });

  it("rejects wrong value types", () => {
    expect(problems({ spend: { amount: { eq: "100" } } })[0]).toMatch(/^filters\.spend\.amount\.eq: must be a number/);
    expect(problems({ spend: { invoice_date: { gte: "01-02-2026" } } })[0]).toMatch(/^filters\.spend\.invoice_date\.gte: must be a date "YYYY-MM-DD"/);
    expect(problems({ spend: { updated_at: { gte: "2026-01-15" } } })[0]).toMatch(/^filters\.spend\.updated_at\.gte: must be an RFC 3339/);
    expect(problems({ spend: { is_contracted: { eq: "true" } } })[0]).toMatch(/must be true or false/);
    expect(problems({ spend: { id: { in: [] } } })[0]).toMatch(/^filters\.spend\.id\.in: must be a non-empty list/);
    expect(problems({ spend: { tags: { is_empty: false } } })[0]).toBe("filters.spend.tags.is_empty: must be true");
  });

  it("between needs exactly 2 items", () => {
    expect(problems({ spend: { amount: { between: [1, 2, 3] } } })[0]).toMatch(/^filters\.spend\.amount\.between: must be a list of exactly 2 values/);
    expect(problems({ spend: { amount: { between: 5 } } })).toHaveLength(1);
  });

  it("contains_any takes at most 100 strings", () => {
    const many = Array.from({ length: 101 }, (_, i) => `t${i}`);
    expect(problems({ spend: { tags: { contains_any: many } } })[0]).toMatch(/^filters\.spend\.tags\.contains_any: takes at most 100 strings \(got 101\)/);
    expect(problems({ spend: { tags: { contains_any: many.slice(0, 100) } } })).toEqual([]);
  });

  it("validateFilters throws one ConfigError with every problem", () => {
    try {
      validateFilters({ spend: { nope: { eq: 1 }, id: { gte: "a" } } }, [spend]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain("filters.spend.nope");
      expect((error as Error).message).toContain("filters.spend.id.gte");
    }
  });
});
