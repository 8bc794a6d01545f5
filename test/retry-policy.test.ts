import { describe, expect, it } from "vitest";
import { backoffDelay, decideNetwork, decideStatus, serverRetryAt } from "../streams/http/retry-policy.js";

describe("retry policy table", () => {
  it("maps API statuses to action and failure type", () => {
    expect(decideStatus("api", 400)).toEqual({ action: "fail", failureType: "config_error" });
    expect(decideStatus("api", 401)).toEqual({ action: "fail", failureType: "config_error" });
    expect(decideStatus("api", 403)).toEqual({ action: "fail", failureType: "config_error" });
    expect(decideStatus("api", 429).action).toBe("retry");
    expect(decideStatus("api", 429).failureType).toBe("transient_error");
    for (const s of [500, 502, 503, 504]) expect(decideStatus("api", s)).toEqual({ action: "retry", failureType: "transient_error" });
    expect(decideStatus("api", 418)).toEqual({ action: "fail", failureType: "system_error" });
    expect(decideStatus("api", 302)).toEqual({ action: "fail", failureType: "system_error" });
  });

  it("410 page_token_expired resets pagination; another 410 does not", () => {
    expect(decideStatus("api", 410, "page_token_expired").action).toBe("reset-pagination");
    expect(decideStatus("api", 410, "gone").action).toBe("fail");
  });

  it("downloads: 403 refreshes the URL, 404/410 need a new export, 5xx retries", () => {
    expect(decideStatus("download", 403).action).toBe("refresh-url");
    expect(decideStatus("download", 404).action).toBe("new-export");
    expect(decideStatus("download", 410).action).toBe("new-export");
    expect(decideStatus("download", 503).action).toBe("retry");
  });

  it("export status 404/410 (deleted after 7 days) needs a new export", () => {
    expect(decideStatus("export-status", 404).action).toBe("new-export");
    expect(decideStatus("export-status", 410).action).toBe("new-export");
    expect(decideStatus("export-status", 401).failureType).toBe("config_error");
  });

  it("network errors: transient ones retry, TLS fails as a config error", () => {
    for (const cls of ["timeout", "reset", "refused", "truncated", "invalid-json"] as const) {
      expect(decideNetwork(cls)).toEqual({ action: "retry", failureType: "transient_error" });
    }
    expect(decideNetwork("tls")).toEqual({ action: "fail", failureType: "config_error" });
    expect(decideNetwork("dns").maxAttempts).toBe(3);
  });

  it("sends a timed-out rows page that can shrink back to the rows path, and only a timeout", () => {
    expect(decideNetwork("timeout", true)).toEqual({ action: "smaller-page", failureType: "transient_error" });
    expect(decideNetwork("timeout", false).action).toBe("retry");
    expect(decideNetwork("reset", true).action).toBe("retry");
  });
});

describe("backoff and server retry hints", () => {
  it("full jitter stays within [0, min(cap, base·2^n)]", () => {
    const opts = { baseMs: 100, capMs: 1000 };
    expect(backoffDelay(0, { ...opts, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { ...opts, random: () => 0.5 })).toBe(400);
    expect(backoffDelay(20, { ...opts, random: () => 0.999 })).toBe(999);
    expect(backoffDelay(5, { ...opts, random: () => 0 })).toBe(0);
  });

  const now = Date.parse("2026-05-06T07:20:00Z");
  it("Retry-After in seconds", () => expect(serverRetryAt({ "retry-after": "7" }, now)).toBe(now + 7000));
  it("Retry-After as an HTTP date", () =>
    expect(serverRetryAt({ "retry-after": "Wed, 06 May 2026 07:20:30 GMT" }, now)).toBe(now + 30_000));
  it("Retry-After date in the past means now", () =>
    expect(serverRetryAt({ "retry-after": "Wed, 06 May 2026 07:00:00 GMT" }, now)).toBe(now));
  it("X-RateLimit-Reset as epoch seconds", () =>
    expect(serverRetryAt({ "x-ratelimit-reset": String(now / 1000 + 12) }, now)).toBe(now + 12_000));
  it("X-RateLimit-Reset as a delta", () => expect(serverRetryAt({ "x-ratelimit-reset": "5" }, now)).toBe(now + 5000));
  it("Retry-After wins over X-RateLimit-Reset", () =>
    expect(serverRetryAt({ "retry-after": "2", "x-ratelimit-reset": "50" }, now)).toBe(now + 2000));
  it("no usable header", () => expect(serverRetryAt({ "retry-after": "soon" }, now)).toBeUndefined());
});
