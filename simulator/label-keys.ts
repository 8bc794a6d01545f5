/**
 * keyBy "label": keys unique across the table in GET /tables/ column order (§5): the first column
 * with a label keeps it; later ones get "<label> (<name>)"; remaining collisions get "#2", "#3", …
 * (with or without a space, per variant). Independent of the fields projection.
 */
import type { ColumnMeta } from "../streams/api/tables.js";

export function labelKeys(columns: readonly Pick<ColumnMeta, "name" | "label">[], suffix: "space" | "nospace"): Map<string, string> {
  const used = new Set<string>();
  const seenLabels = new Set<string>();
  const out = new Map<string, string>();
  const sep = suffix === "space" ? " " : "";
  for (const c of columns) {
    // rule 1/2 look at labels seen so far; rule 3 at keys already taken (the docs' worked example)
    let key = seenLabels.has(c.label) ? `${c.label} (${c.name})` : c.label;
    seenLabels.add(c.label);
    if (used.has(key)) {
      let n = 2;
      while (used.has(`${key}${sep}#${n}`)) n++;
      key = `${key}${sep}#${n}`;
    }
    used.add(key);
    out.set(c.name, key);
  }
  return out;
}
