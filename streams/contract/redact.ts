/**
 * Secret redaction shared by the runtime and streams/. Two kinds of secrets: registered values (the API
 * token, anything else the caller knows) and signed URLs, recognised by shape because they are minted
 * by the API at run time and are never registered anywhere.
 */
export const REDACTED = "****";

/** Query parameters that make a URL a bearer credential (S3/GCS/Azure signatures, tokens). */
const SIGNED_QUERY = /[?&](?:X-Amz-[A-Za-z-]+|X-Goog-[A-Za-z-]+|sig|signature|Signature|token|access_token|se|sv|Expires|GoogleAccessId|Key-Pair-Id|Policy)=/i;
/** A URL up to the first character that cannot be part of it in a log line or JSON string. */
const URL_PATTERN = /\bhttps?:\/\/[^\s"'<>\\`]+/gi;
/** The simulator's (and similar hosts') signed download path: /downloads/<token>/<file>. */
const DOWNLOAD_PATH = /\/downloads\/[^/\s"'?#]+/gi;
/** Authorization headers that end up in error text (`Bearer abc...`). */
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]{8,}/g;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Register a value that must never be printed. Short values are skipped: masking "a" would garble text. */
  add(secret: string | undefined): this {
    if (secret !== undefined && secret.length >= 4) {
      this.secrets.add(secret);
      // The same value often appears URL- or JSON-encoded inside error text.
      this.secrets.add(encodeURIComponent(secret));
      this.secrets.add(JSON.stringify(secret).slice(1, -1));
    }
    return this;
  }

  redact(text: string): string {
    let out = text;
    // Longest first so a secret that contains another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    out = out.replace(URL_PATTERN, redactUrl);
    out = out.replace(BEARER, `$1 ${REDACTED}`);
    return out;
  }
}

/** Keep scheme, host and a path shape for debugging; drop what grants access. */
export function redactUrl(url: string): string {
  let out = url.replace(DOWNLOAD_PATH, `/downloads/${REDACTED}`);
  const q = out.indexOf("?");
  if (q >= 0 && SIGNED_QUERY.test(out.slice(q))) out = `${out.slice(0, q)}?${REDACTED}`;
  return out;
}
