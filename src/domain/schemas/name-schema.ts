// The one schema for every name a client gives (API clients, policies and their schedules,
// hypervisor managers' displayName, VMs): no control characters, no lone surrogates (400).
import { type TString, Type } from "typebox";
import { NAME_PATTERN } from "../names.ts";

export function NameString(options: { minLength?: number; maxLength: number; description?: string }): TString {
  return Type.String({ minLength: 1, ...options, pattern: NAME_PATTERN });
}
