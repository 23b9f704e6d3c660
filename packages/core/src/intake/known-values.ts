import * as z from "zod/mini";
import type { IntakeField } from "../config/config";
import { isUnset } from "../shared/input";
import { VALIDATORS } from "./intake-validation";

/**
 * Values the bot may already know (a logged-in visitor's e-mail and name in CAIC conversation
 * variables), passed beside `POST /caic/events` or any intake step. Each is optional and never makes
 * the request a 400: an unusable one is simply not known, and the visitor is asked.
 */
export const KnownValuesSchema = z.object({
  email: z.optional(z.unknown()),
  name: z.optional(z.unknown()),
  message: z.optional(z.unknown()),
});
export type KnownValuesInput = z.infer<typeof KnownValuesSchema>;

export interface KnownValues {
  /** Normalised values that passed the field's own validation. */
  valid: Partial<Record<IntakeField, string>>;
  /** Fields whose known value failed validation: not stored, so still asked for. */
  invalid: IntakeField[];
}

/** Validates each known value with the same rules as its Capture Input step; `except` is the step's own field. */
export function knownValues(input: KnownValuesInput, except?: IntakeField): KnownValues {
  const result: KnownValues = { valid: {}, invalid: [] };
  for (const field of Object.keys(VALIDATORS) as IntakeField[]) {
    const raw = input[field];
    if (field === except || raw === undefined || raw === null) continue;
    if (typeof raw !== "string") {
      result.invalid.push(field);
      continue;
    }
    if (isUnset(raw)) continue;
    const validation = VALIDATORS[field](raw);
    if (validation.ok) result.valid[field] = validation.value;
    else result.invalid.push(field);
  }
  return result;
}
