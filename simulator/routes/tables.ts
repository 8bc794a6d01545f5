/** GET /tables/: the export table registry. */
import type { TableMeta } from "../../streams/api/tables.js";
import { TABLE_DEFS } from "../data/dataset.js";
import { TABLE_IDS, tableMeta } from "../data/schema.js";
import { jsonReply, type Reply } from "../http.js";

export function allTableMeta(): TableMeta[] {
  return TABLE_IDS.map((id) => tableMeta(TABLE_DEFS[id]));
}

export function tablesRoute(): Reply {
  return jsonReply(200, allTableMeta());
}
