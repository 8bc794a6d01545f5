/**
 * The simulator's tables and rows read straight from its HTTP API, with no connector code in between: the
 * ground truth that the peers pre-check (bench/peer-check.ts) and the tests that run the connector through
 * someone else's tool (test/helpers/simulator-truth.ts) compare with. It lives in bench/ because the bench
 * compiles into dist/ and must not import from test/.
 */

export interface SimApi {
  readonly url: string;
  readonly token: string;
}

export interface SimTable {
  id: string;
  orderBy: string[];
  columns: { name: string; dataType: string }[];
}

async function call(api: SimApi, path: string, body?: unknown): Promise<unknown> {
  // relative to the base URL, so a base URL with a path of its own keeps it
  const res = await fetch(new URL(path, api.url.endsWith("/") ? api.url : `${api.url}/`), {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`simulator ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res.json();
}

export async function simTables(api: SimApi): Promise<SimTable[]> {
  const body = await call(api, "tables/");
  // the simulator serves a bare array (simulator/routes/tables.ts); anything else would make every count 0
  if (!Array.isArray(body)) throw new Error(`simulator tables/: not a JSON array: ${JSON.stringify(body).slice(0, 300)}`);
  return body as SimTable[];
}

/** The rows of `table` for one rows request body (fields, filters, pageSize), a page at a time, following the page tokens. */
export async function* simPages(api: SimApi, table: string, request: Record<string, unknown>): AsyncGenerator<Record<string, unknown>[]> {
  let pageToken: string | undefined;
  do {
    const page = (await call(api, `tables/${encodeURIComponent(table)}/rows`, pageToken === undefined ? request : { ...request, pageToken })) as {
      data: Record<string, unknown>[];
      nextPageToken?: string | null;
    };
    yield page.data;
    pageToken = page.nextPageToken || undefined;
  } while (pageToken !== undefined);
}
