// Turns a filter literal into the typed value an attribute compares against. Unquoted words
// are URL-form style: '+' means space in strings, but is kept in numbers and timestamps where
// it is a sign or a UTC offset.
import { AppError } from "../../domain/app-error.ts";
import type { AttrType, Literal, ScalarValue } from "./types.ts";

const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

export const isNullLiteral = (lit: Literal): boolean => !lit.quoted && lit.text.toLowerCase() === "null";

/** Text of a literal used as a string; rejects NUL, which PostgreSQL text cannot hold. */
export function stringOf(lit: Literal, name: string): string {
  const text = lit.quoted ? lit.text : lit.text.replaceAll("+", " ");
  if (text.includes("\u0000")) throw AppError.badRequest(`filter value for '${name}' contains a NUL character`);
  return text;
}

export function coerceLiteral(lit: Literal, type: AttrType, name: string): ScalarValue {
  const wrong = (what: string): AppError =>
    AppError.badRequest(`filter value '${lit.text}' for attribute '${name}' is not ${what}`);
  const text = lit.text.trim();
  switch (type) {
    case "string":
    case "json":
      return stringOf(lit, name);
    case "integer": {
      const n = Number(text);
      if (!INTEGER_RE.test(text) || !Number.isSafeInteger(n)) throw wrong("an integer");
      return n === 0 ? 0 : n;
    }
    case "number": {
      const n = Number(text);
      if (!NUMBER_RE.test(text) || !Number.isFinite(n)) throw wrong("a number");
      return n === 0 ? 0 : n;
    }
    case "boolean": {
      const b = text.toLowerCase();
      if (b !== "true" && b !== "false") throw wrong("a boolean (true or false)");
      return b === "true";
    }
    case "date-time": {
      const iso = normaliseDateTime(text);
      if (iso === undefined) throw wrong("an ISO-8601 date-time");
      return iso;
    }
  }
}

/**
 * ISO-8601 text → `YYYY-MM-DDTHH:MM:SS.sssZ`, the form stored in documents, so that string
 * comparison orders instants. Built with Date.UTC rather than Date parsing to avoid the
 * engine's lenient legacy formats and local-time defaults (no offset means UTC). A space
 * before a trailing offset is read as '+', since URL form decoding turns '+' into a space.
 */
export function normaliseDateTime(input: string): string | undefined {
  const m = DATE_TIME_RE.exec(input.replace(/ (\d{2}(?::?\d{2})?)$/, "+$1"));
  if (m === null) return undefined;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "0", , sign, oh = "0", om = "0"] = m;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const [year, month, day, hour, minute, second] = parts;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (Number(oh) > 23 || Number(om) > 59) return undefined;
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  local.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  if (local.getUTCDate() !== day || local.getUTCMonth() !== month - 1) return undefined;
  const offsetMinutes = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const instant = new Date(local.getTime() - offsetMinutes * 60_000);
  if (Number.isNaN(instant.getTime())) return undefined;
  const iso = instant.toISOString();
  // Outside years 0000-9999 the ISO form gains a sign and would no longer sort as text.
  return /^\d{4}-/.test(iso) ? iso : undefined;
}
