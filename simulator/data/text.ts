/** Word pools with the realistic dirt the contract asks for (Unicode, quotes, backslashes, newlines). */
import { pick } from "../rng.js";

export const COMPANY_NAMES = [
  "Nordic Office AS",
  "Bjørnstad & Sønner AS",
  "Ærlig Økonomi ÅS",
  "Tromsø Fisk og Frukt",
  "株式会社サンプル",
  "深圳电子有限公司",
  "한국물산",
  "Café Olé GmbH",
  "ACME \"Quoted\" Ltd",
  "Back\\slash Supplies",
  "Rocket 🚀 Logistics",
  "O'Brien & Co",
  "Zürich Präzision AG",
  "Łódź Meble Sp. z o.o.",
  "Ελληνικά ΑΕ",
  "Plain Supplier Inc",
] as const;

export const DESCRIPTIONS = [
  "Office chairs",
  "Consulting, Q1 — phase \"alpha\"",
  "Line one\nline two",
  "Path C:\\temp\\invoice.pdf",
  "Kaffe og vafler til møterommet ☕",
  "年度ライセンス更新",
  "Tab\tseparated",
  "Emoji 🎉👍🏽 party supplies",
  "Credit note / kreditnota",
  "Plain description",
  "<b>not html</b> & ampersand",
  "Trailing space ",
] as const;

export const CITIES = ["Oslo", "Bergen", "Trondheim", "Tromsø", "Stockholm", "東京", "München", "São Paulo"] as const;
export const COUNTRIES = ["NO", "SE", "DK", "FI", "DE", "JP", "CN", "BR", "US"] as const;
export const CURRENCIES = ["NOK", "EUR", "USD", "SEK", "JPY", "DKK"] as const;
export const CATEGORIES = ["IT", "Facilities", "Logistics", "Marketing", "Konsulenttjenester", "原材料", "Travel ✈️"] as const;
export const TAGS = ["capex", "opex", "it", "recurring", "one-off", "øko", "タグ", "🏷️", "a,b", "quote\"d"] as const;
export const CERTS = ["ISO 9001", "ISO 14001", "ISO 27001", "Miljøfyrtårn", "EcoVadis Gold", "SA8000"] as const;
export const OWNERS = ["Kari Nordmann", "Ola Nordmann", "Åse Ødegård", "山田太郎", "Jean-Luc Picard", "n/a"] as const;
export const BUSINESS_UNITS = ["HQ", "Nord", "Sør", "Vest", "Øst", "R&D", "Sales \"EMEA\""] as const;

/** A null with probability `rate` (from the field's own random draw). */
export function maybeNull<T>(h: number, rate: number, value: T): T | null {
  return (h % 10_000) / 10_000 < rate ? null : value;
}

/** A deterministic subset of `pool` (0..max items, possibly empty). */
export function subset(pool: readonly string[], h: number, max: number): string[] {
  const n = h % (max + 1);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = pick(pool, (h >>> (4 + i * 3)) + i * 7);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}
