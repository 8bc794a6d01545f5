/**
 * readRowsPages against a real HTTP server on 127.0.0.1 serving scripted pages by page token: the next
 * request goes out as soon as a page's bytes name its token (before the page is decoded), and a wrong
 * early guess never costs or duplicates a page.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectorConfig } from "../spec/config.js";
import { IgniteClient, type RowsPageDecoder } from "../streams/http/client.js";
import { DEFAULT_ENDPOINTS } from "../streams/http/endpoints.js";
import { compileSerializer } from "../streams/encode/record-serializer.js";
import { peekNextPageToken, rowsPageDecoder, type DecodedRowsPage } from "../streams/rows/rows-page-scan.js";
import { readRowsPages } from "../streams/rows/rows-reader.js";
import type { Logger } from "../streams/contract/stream.js";

/** Page bodies by the pageToken of the request ("" = first page). */
let pages: Record<string, string> = {};
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const token = (JSON.parse(body) as { pageToken?: string }).pageToken ?? "";
      const page = pages[token];
      res.writeHead(page === undefined ? 410 : 200, { "content-type": "application/json" });
      res.end(page ?? JSON.stringify({ error: "page_token_expired", message: "no such page" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const quiet: Logger = { log: () => undefined, info: () => undefined, warn: () => undefined, debug: () => undefined };

function client(): IgniteClient {
  const config = {
    api_token: "igt_test_token_0123456789", base_url: origin, read_mode: "rows", export_format: "parquet", page_size: 2,
    lookback_window: "PT1H", full_snapshot_interval_days: 7, column_keys: "name", filters: {}, max_concurrent_streams: 1,
    request_timeout_seconds: 5, retry_budget_seconds: 5, export_poll_timeout_minutes: 1, export_max_attempts: 1,
    legacy_data_tables: "off", endpoints: { ...DEFAULT_ENDPOINTS },
  } as ConnectorConfig;
  return new IgniteClient({ config, logger: quiet });
}

const serializer = compileSerializer([{ key: "id", source: "id", dataType: "STRING" }]);
const FRAMING = { prefix: new Uint8Array(0), suffix: Buffer.from("\n") };

/** Page tokens of the requests the client was asked to send, in order (observed, not altered). */
const sent: string[] = [];

async function readAll(decoder: RowsPageDecoder<DecodedRowsPage>): Promise<string[]> {
  const c = client();
  const fetch = c.fetchRowsDecoded.bind(c);
  c.fetchRowsDecoded = (entity, body, d, opts) => {
    sent.push(body.pageToken ?? "");
    return fetch(entity, body, d, opts);
  };
  try {
    const out: string[] = [];
    for await (const page of readRowsPages(c, "spend", { pageSize: 2 }, undefined, decoder, {})) {
      out.push(...Buffer.concat([...page.batch.encode(FRAMING)]).toString().split("\n").filter(Boolean));
    }
    return out;
  } finally {
    await c.close();
  }
}

describe("readRowsPages", () => {
  it("sends the next request from the token in a page's bytes before decoding the page", async () => {
    sent.length = 0;
    pages = {
      "": '{"data":[{"id":"1"},{"id":"2"}],"nextPageToken":"p2"}',
      p2: '{"nextPageToken":"p3","data":[{"id":"3"}]}',
      p3: '{\n  "data": [{"id": "4"}],\n  "nextPageToken": "p4"\n}\n',
      p4: '{"data":[{"id":"5"}]}',
    };
    const inner = rowsPageDecoder(serializer, { lastKeyKey: "id" });
    const requestedWhenDecoding: string[][] = [];
    const watching: RowsPageDecoder<DecodedRowsPage> = {
      fromBytes: (bytes) => {
        requestedWhenDecoding.push([...sent]);
        return inner.fromBytes(bytes);
      },
      fromPage: (page) => inner.fromPage(page),
    };
    expect(await readAll(watching)).toEqual(['{"id":"1"}', '{"id":"2"}', '{"id":"3"}', '{"id":"4"}', '{"id":"5"}']);
    // pages 1 and 2 name their token where it can be peeked (end, start); page 3 is pretty-printed
    expect(requestedWhenDecoding[0]).toContain("p2");
    expect(requestedWhenDecoding[1]).toContain("p3");
    expect(requestedWhenDecoding[2]).not.toContain("p4");
    expect(sent).toEqual(["", "p2", "p3", "p4"]);
  });

  it("follows the decoded token when the early guess was wrong, without emitting the guessed page", async () => {
    sent.length = 0;
    pages = {
      // JSON.parse keeps the last of two equal keys: the real next token is p2, not the first one
      "": '{"nextPageToken":"decoy","data":[{"id":"1"}],"nextPageToken":"p2","more":1}',
      decoy: '{"data":[{"id":"never"}]}',
      p2: '{"data":[{"id":"2"}]}',
    };
    expect(await readAll(rowsPageDecoder(serializer))).toEqual(['{"id":"1"}', '{"id":"2"}']);
    expect(sent).toEqual(["", "decoy", "p2"]);
  });
});

describe("readRowsPages against a server on another thread", () => {
  // The server runs on a worker thread so that it sees a request arrive while this thread is busy decoding;
  // it raises arrived[0] when the request for page 2 comes in, arrived[1] for page 3.
  const SERVER = `
    const { createServer } = require("node:http");
    const { parentPort, workerData } = require("node:worker_threads");
    const arrived = new Int32Array(workerData.arrived);
    const pages = { "": '{"data":[{"id":"1"}],"nextPageToken":"p2"}', p2: '{"data":[{"id":"2"}],"nextPageToken":"p3"}', p3: '{"data":[{"id":"3"}]}' };
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const token = JSON.parse(body).pageToken ?? "";
        const slot = { p2: 0, p3: 1 }[token];
        if (slot !== undefined) { Atomics.store(arrived, slot, 1); Atomics.notify(arrived, slot); }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(pages[token]);
      });
    });
    server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
    parentPort.on("message", () => server.close(() => process.exit(0)));
  `;

  it("the next request reaches the server while the page before it is still being decoded, from the first page on", async () => {
    const arrived = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(SERVER, { eval: true, workerData: { arrived: arrived.buffer } });
    const port = await new Promise<number>((resolve) => worker.once("message", resolve));
    const savedOrigin = origin;
    origin = `http://127.0.0.1:${port}`;
    try {
      const inner = rowsPageDecoder(serializer, { lastKeyKey: "id" });
      const waits: string[] = [];
      let decoded = 0;
      const slow: RowsPageDecoder<DecodedRowsPage> = {
        fromBytes: (bytes) => {
          // Decoding page n blocks this thread (as a big page does) until page n+1's request has arrived, or
          // 3 s. Page 1 included: its early request is the one that found no free socket before the reader
          // yielded two event-loop turns (it left only after the decode, ~200 ms late on 100 000-row pages).
          decoded++;
          if (decoded <= 2) waits.push(Atomics.wait(arrived, decoded - 1, 0, 3000));
          return inner.fromBytes(bytes);
        },
        fromPage: (page) => inner.fromPage(page),
      };
      expect(await readAll(slow)).toEqual(['{"id":"1"}', '{"id":"2"}', '{"id":"3"}']);
      expect(waits).toHaveLength(2);
      expect(waits).not.toContain("timed-out");
    } finally {
      origin = savedOrigin;
      worker.postMessage("close");
      await new Promise((resolve) => worker.once("exit", resolve));
    }
  });
});

describe("peekNextPageToken", () => {
  const peek = (s: string): string | undefined => peekNextPageToken(Buffer.from(s));
  it("finds a compact token member at the end or the start of the page", () => {
    expect(peek('{"data":[],"nextPageToken":"abc"}\n')).toBe("abc");
    expect(peek('{"nextPageToken":"abc","data":[]}')).toBe("abc");
    expect(peek('{"data":[],"nextPageToken":"tøk"}')).toBe("tøk");
  });
  it("guesses nothing where the member is not plainly there", () => {
    for (const page of ['{"data":[]}', '{"data":[],"nextPageToken":null}', '{"data":[],"nextPageToken":""}', '{"data":[],"nextPageToken":"a\\"b"}', '{"data":[], "nextPageToken" : "abc"}', '{"data":[{"x":"nextPageToken"}]}', '{"x":{"nextPageToken":"abc"}}']) {
      expect(peek(page), page).toBeUndefined();
    }
  });
});
