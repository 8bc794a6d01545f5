/**
 * Admin routes under /_sim/ (no auth; loopback only) so a connector running as a child process can
 * be tested under changing conditions: clock, faults, variant, counters, page-token expiry.
 */
import type { IncomingMessage } from "node:http";
import { ApiError } from "../api-error.js";
import { readJsonBody, jsonReply, type Reply } from "../http.js";
import type { FaultSpec } from "../faults.js";
import type { Variant } from "../variants.js";

export interface AdminControl {
  advance(steps: number): void;
  setFaults(f: FaultSpec): void;
  setVariant(v: Partial<Variant>): void;
  variant(): Variant;
  expireAllPageTokens(): void;
  counters(): Record<string, number>;
  resetCounters(): void;
  clock(): { steps: number; now: string };
  info(): Record<string, unknown>;
}

export async function adminRoute(ctl: AdminControl, req: IncomingMessage, path: string): Promise<Reply> {
  const method = req.method ?? "GET";
  const body = method === "POST" || method === "PUT" ? await readJsonBody(req) : {};
  const b = (body ?? {}) as Record<string, unknown>;
  const wrap = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      throw new ApiError(400, "invalid_admin_request", (e as Error).message);
    }
  };
  switch (`${method} ${path}`) {
    case "POST /_sim/advance": {
      const steps = b.steps ?? 1;
      if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 0) throw new ApiError(400, "invalid_steps", "steps must be a non-negative integer");
      ctl.advance(steps);
      return jsonReply(200, ctl.clock());
    }
    case "GET /_sim/info":
      return jsonReply(200, ctl.info());
    case "GET /_sim/clock":
      return jsonReply(200, ctl.clock());
    case "POST /_sim/faults":
    case "PUT /_sim/faults":
      wrap(() => ctl.setFaults(b as FaultSpec));
      return jsonReply(200, { ok: true });
    case "POST /_sim/variant":
    case "PUT /_sim/variant":
      wrap(() => ctl.setVariant(b as Partial<Variant>));
      return jsonReply(200, ctl.variant());
    case "GET /_sim/variant":
      return jsonReply(200, ctl.variant());
    case "POST /_sim/expire-page-tokens":
      ctl.expireAllPageTokens();
      return jsonReply(200, { ok: true });
    case "GET /_sim/counters":
      return jsonReply(200, ctl.counters());
    case "POST /_sim/counters/reset":
      ctl.resetCounters();
      return jsonReply(200, { ok: true });
    default:
      throw new ApiError(404, "not_found", `Unknown admin route: ${method} ${path}`);
  }
}
