/** Bearer auth for API routes: missing, wrong, or legacy-JWT tokens answer 401; a valid token without access 403. */
import type { IncomingMessage } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { ApiError } from "./api-error.js";

const JWT_RE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function checkAuth(req: IncomingMessage, token: string, noAccessToken?: string): void {
  const header = req.headers.authorization;
  if (!header) throw new ApiError(401, "unauthorized", "Missing Authorization header; pass the API token as Bearer authorization");
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new ApiError(401, "unauthorized", "Authorization must use the Bearer scheme");
  const given = m[1]!;
  if (JWT_RE.test(given)) {
    throw new ApiError(
      401,
      "legacy_jwt_not_supported",
      "Legacy JSON Web Tokens (JWTs) are no longer supported. Generate a new API token and pass it using Bearer authorization.",
    );
  }
  if (noAccessToken !== undefined && given === noAccessToken) {
    throw new ApiError(403, "forbidden", "The API token does not have access to the export API");
  }
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new ApiError(401, "invalid_token", "The API token is not valid");
}
