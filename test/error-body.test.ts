import { describe, expect, it } from "vitest";
import { parseErrorBody } from "../streams/http/error-body.js";

describe("parseErrorBody: every §14 error shape becomes { code?, message }", () => {
  const cases: [string, string, { code?: string; message: string }][] = [
    ["{error, message}", '{"error":"page_token_expired","message":"Cursor expired"}', { code: "page_token_expired", message: "Cursor expired" }],
    ["{code, message}", '{"code":"bad_filter","message":"Unknown column x"}', { code: "bad_filter", message: "Unknown column x" }],
    ["{error:{code,message}}", '{"error":{"code":"forbidden","message":"No access"}}', { code: "forbidden", message: "No access" }],
    ["{detail}", '{"detail":"Not found"}', { message: "Not found" }],
    ["{title}", '{"title":"Too Many Requests","status":429}', { message: "Too Many Requests" }],
    ["plain text", "upstream connect error", { message: "upstream connect error" }],
    ["JSON string", '"just a string"', { message: "just a string" }],
    ["cloud storage XML", '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', { code: "AccessDenied", message: "Request has expired" }],
  ];
  for (const [name, body, expected] of cases) {
    it(name, () => expect(parseErrorBody(body, "HTTP 500")).toEqual(expected));
  }

  it("an HTML proxy page becomes its short title, not the markup", () => {
    const html = `<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><h1>502</h1>${"<p>x</p>".repeat(500)}</body></html>`;
    expect(parseErrorBody(html, "HTTP 502")).toEqual({ message: "502 Bad Gateway" });
  });

  it("HTML without a title is stripped of tags and shortened", () => {
    const parsed = parseErrorBody(`<html><body><p>Service &amp; gateway down</p>${"<div>filler text</div>".repeat(100)}</body></html>`, "HTTP 503");
    expect(parsed.message.startsWith("Service & gateway down")).toBe(true);
    expect(parsed.message).not.toContain("<");
    expect(parsed.message.length).toBeLessThanOrEqual(300);
  });

  it("an empty body falls back to the status text", () => {
    expect(parseErrorBody("  ", "HTTP 500")).toEqual({ message: "HTTP 500" });
  });

  it("broken JSON is treated as text", () => {
    expect(parseErrorBody('{"error": "x", ', "HTTP 500")).toEqual({ message: '{"error": "x",' });
  });
});
