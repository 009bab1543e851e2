// offset/limit from raw query values: decimal digits only, bounded by the collection spec.
import { AppError } from "../../domain/app-error.ts";
import type { CollectionQuerySpec } from "./types.ts";

const DIGITS = /^\d+$/;

function integerParam(name: string, raw: unknown): number {
  // A number is what a schema-coercing router would hand over; strings come from the URL.
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw : undefined;
  if (text === undefined || !DIGITS.test(text)) {
    throw AppError.badRequest(`query parameter '${name}' must be a non-negative integer`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw AppError.badRequest(`query parameter '${name}' is too large`);
  return n;
}

export function parseLimit(raw: unknown, spec: CollectionQuerySpec): number {
  if (raw === undefined) return spec.limitDefault;
  const limit = integerParam("limit", raw);
  const min = spec.limitMin ?? 1;
  if (limit < min || limit > spec.limitMax) {
    throw AppError.badRequest(`query parameter 'limit' must be between ${min} and ${spec.limitMax}`);
  }
  return limit;
}

export function parseOffset(raw: unknown, spec: CollectionQuerySpec): number {
  if (raw === undefined) return 0;
  const offset = integerParam("offset", raw);
  if (spec.offsetMax !== undefined && offset > spec.offsetMax) {
    throw AppError.badRequest(`query parameter 'offset' must not exceed ${spec.offsetMax}`);
  }
  return offset;
}
