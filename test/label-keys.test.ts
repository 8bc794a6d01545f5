import { describe, expect, it } from "vitest";
import { columnKeyMap, labelKeys, uncertainColumns } from "../streams/catalog/label-keys.js";
import type { ColumnMeta, TableMeta } from "../streams/api/tables.js";

const col = (name: string, label: string): ColumnMeta => ({ name, label, dataType: "STRING", supportedOperators: ["eq"] });

// The worked example of ignite-api.md §5.
const worked = [col("supplier", "Supplier"), col("supplier_name", "Supplier"), col("third", "Supplier (supplier_name)")];

describe("label keys (§5 keyBy label rules)", () => {
  it("first keeps the label, later ones get '<label> (<name>)'", () => {
    const { keys } = labelKeys([col("a", "Name"), col("b", "Name"), col("c", "City")]);
    expect([...keys.values()]).toEqual(["Name", "Name (b)", "City"]);
  });

  it("a remaining collision gets ' #2' by default (the docs' worked example)", () => {
    const { keys, suffixed } = labelKeys(worked);
    expect([...keys.values()]).toEqual(["Supplier", "Supplier (supplier_name)", "Supplier (supplier_name) #2"]);
    expect(suffixed).toEqual(["third"]);
  });

  it("the no-space form gives '#2'", () => {
    expect(labelKeys(worked, "#").keys.get("third")).toBe("Supplier (supplier_name)#2");
  });

  it("counts up: #2, #3", () => {
    const cols = [col("a", "X"), col("b", "X"), col("c", "X (b)"), col("d", "X (b)")];
    expect([...labelKeys(cols).keys.values()]).toEqual(["X", "X (b)", "X (b) #2", "X (b) (d)"]);
    const triple = [col("a", "Y (b)"), col("b", "Y"), col("c", "Y"), col("b2", "Y (b)")];
    // b2's label was seen → "Y (b) (b2)"; c: label Y seen → "Y (c)".
    expect([...labelKeys(triple).keys.values()]).toEqual(["Y (b)", "Y", "Y (c)", "Y (b) (b2)"]);
    const three = [col("p", "Z"), col("q", "Z"), col("r", "Z (q)"), col("s", "Z (q) #2"), col("t", "Z (q)")];
    expect([...labelKeys(three).keys.values()]).toEqual(["Z", "Z (q)", "Z (q) #2", "Z (q) #2 #2", "Z (q) (t)"]);
  });

  it("keys are unique for any column list", () => {
    const labels = ["A", "A", "A (n1)", "A (n1)", "A", "A (n4)", "A (n1) #2", "A (n1)"];
    const cols = labels.map((l, i) => col(`n${i}`, l));
    const keys = [...labelKeys(cols).keys.values()];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("only columns under rule 2 or 3 are uncertain (worth asking the API)", () => {
    expect(uncertainColumns(worked)).toEqual(["supplier_name", "third"]);
    expect(uncertainColumns([col("a", "A"), col("b", "B")])).toEqual([]);
  });

  it("column_keys name maps every column to itself", () => {
    const table: TableMeta = { id: "t", name: "T", table: "t", columns: worked, orderBy: [] };
    expect([...columnKeyMap(table, "name").values()]).toEqual(["supplier", "supplier_name", "third"]);
  });
});
