/**
 * Turns any error body the API (or a proxy in front of it) may send into `{ code?, message }`.
 * §14 lists the shapes: `{error,message}`, `{code,message}`, `{error:{code,message}}`, `{detail}`,
 * `{title}`, plain text, and an HTML page. Cloud storage answers XML (`<Code>…</Code><Message>…`).
 */
import { isRecord } from "../contract/json-object.js";

export interface ErrorBody {
  readonly code?: string;
  readonly message: string;
}

const MAX_MESSAGE = 300;

function str(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim().length > 0) return value.trim();
  if (typeof value === "number") return String(value);
  return undefined;
}

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE - 1)}…` : oneLine;
}

function fromJson(value: unknown): ErrorBody | undefined {
  if (typeof value === "string") return { message: shorten(value) };
  if (!isRecord(value)) return undefined;
  const nested = value["error"];
  if (isRecord(nested)) {
    const inner = fromJson(nested);
    if (inner !== undefined) return inner;
  }
  const code = str(value["code"]) ?? str(nested) ?? str(value["type"]);
  const message =
    str(value["message"]) ?? str(value["detail"]) ?? str(value["title"]) ?? str(value["error_description"]);
  if (message !== undefined) return code === undefined ? { message: shorten(message) } : { code, message: shorten(message) };
  if (code !== undefined) return { code, message: code };
  return undefined;
}

function fromMarkup(text: string): ErrorBody {
  const xmlCode = /<Code>([^<]*)<\/Code>/i.exec(text)?.[1]?.trim();
  const xmlMessage = /<Message>([^<]*)<\/Message>/i.exec(text)?.[1]?.trim();
  if (xmlCode !== undefined || xmlMessage !== undefined) {
    const message = shorten(xmlMessage ?? xmlCode ?? "");
    return xmlCode === undefined ? { message } : { code: xmlCode, message };
  }
  // An HTML page from a proxy: its title (or first heading) says what happened; the rest is decoration.
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1] ?? /<h1[^>]*>([^<]*)<\/h1>/i.exec(text)?.[1];
  if (title !== undefined && title.trim().length > 0) return { message: shorten(decodeEntities(title)) };
  const stripped = text
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]+>/g, " ");
  return { message: shorten(decodeEntities(stripped)) || "(empty HTML page)" };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Never throws: an unreadable body still yields a message (the HTTP status text, if nothing else). */
export function parseErrorBody(text: string, fallback: string): ErrorBody {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { message: fallback };
  if (trimmed.startsWith("{") || trimmed.startsWith("[") || trimmed.startsWith('"')) {
    try {
      const parsed = fromJson(JSON.parse(trimmed) as unknown);
      if (parsed !== undefined) return parsed;
    } catch {
      // Not JSON after all; fall through to text handling.
    }
  }
  if (trimmed.startsWith("<")) return fromMarkup(trimmed);
  return { message: shorten(trimmed) };
}
