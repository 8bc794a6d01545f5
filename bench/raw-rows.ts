/**
 * The raw-download baseline (a child process of `npm run bench`): POSTs the same rows pages the
 * connector requests (same fields, pageSize and keyBy) with undici and discards the bodies. It reads
 * only what paging needs, the `nextPageToken` near the end of each body (the simulator writes it last;
 * the head is searched too), so the time is the server's plus the transfer, with no processing.
 *
 *   BENCH_API_TOKEN=… node dist/bench/raw-rows.js <base_url> <entity> <page_size>
 * Prints one JSON line: {"pages":…,"bytes":…}.
 */
import { Agent, request } from "undici";

const TOKEN_RE = /"nextPageToken"\s*:\s*"([^"]+)"/;
const KEEP = 4096;

async function main(): Promise<void> {
  const [baseUrl, entity, pageSizeArg] = process.argv.slice(2);
  const token = process.env["BENCH_API_TOKEN"];
  if (!baseUrl || !entity || !pageSizeArg || !token) throw new Error("usage: BENCH_API_TOKEN=… raw-rows.js <base_url> <entity> <page_size>");
  const auth = `Bearer ${token}`;
  const dispatcher = new Agent({ keepAliveTimeout: 60_000, headersTimeout: 600_000, bodyTimeout: 600_000 });

  const tables = await request(`${baseUrl}/tables/`, { headers: { authorization: auth }, dispatcher });
  const list = (await tables.body.json()) as { id: string; columns: { name: string }[] }[];
  const table = list.find((t) => t.id === entity);
  if (!table) throw new Error(`no table ${entity}`);
  const base = { fields: table.columns.map((c) => c.name), pageSize: Number(pageSizeArg), keyBy: "name" };

  let pages = 0;
  let bytes = 0;
  let pageToken: string | undefined;
  do {
    const r = await request(`${baseUrl}/tables/${entity}/rows`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify(pageToken === undefined ? base : { ...base, pageToken }),
      dispatcher,
    });
    let head: Buffer | undefined;
    let tail: Buffer = Buffer.alloc(0);
    for await (const chunk of r.body as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      head ??= chunk.subarray(0, KEEP);
      tail = chunk.length >= KEEP ? chunk.subarray(chunk.length - KEEP) : Buffer.concat([tail, chunk]).subarray(-KEEP);
    }
    if (r.statusCode !== 200) throw new Error(`rows page ${pages + 1}: HTTP ${r.statusCode}`);
    pages++;
    pageToken = (TOKEN_RE.exec(tail.toString("latin1")) ?? TOKEN_RE.exec(head?.toString("latin1") ?? ""))?.[1];
  } while (pageToken !== undefined);
  await dispatcher.close();
  process.stdout.write(JSON.stringify({ pages, bytes }) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
