import * as z from "zod/mini";
import { missingFields } from "./chat";
import type { ChatStore } from "./chat-store";
import type { IntakeField } from "./config";
import type { Culture } from "./culture";
import { optionalText } from "./input";
import { type VisitorMessage, visitorText } from "./messages";
import type { Log, Metrics } from "./metrics";

/** After this many invalid answers to one field the dialog should stop asking. */
export const MAX_ATTEMPTS = 3;
const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 100;
/** Raw values above this are malformed requests, not answers a person typed. */
export const MAX_RAW_VALUE = 1024;

/** The value to store, or the message (key and parameters) that tells the visitor what to change. */
export type Validation = { ok: true; value: string } | ({ ok: false } & VisitorMessage);

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^([\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

export function validateEmail(raw: string): Validation {
  const value = raw.trim();
  if (value === "") return { ok: false, key: "email.empty" };
  if (value.length > MAX_EMAIL_LENGTH) return { ok: false, key: "email.too-long" };
  if (/[\s,;]/.test(value) || value.split("@").length > 2) {
    return { ok: false, key: "email.several" };
  }
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at < 1 || local.length > 64 || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) {
    return { ok: false, key: "email.invalid" };
  }
  return { ok: true, value: `${local}@${domain.toLowerCase()}` };
}

const NAME_CHARACTERS = /^[\p{L}\p{M}' .-]+$/u;
const LOOKS_LIKE_ADDRESS = /(^|\s)www\.|\p{L}{2,}\.\p{L}{2,}|@|:\/\//iu;

export function validateName(raw: string): Validation {
  if (/\p{Cc}/u.test(raw.replace(/[\t\n\r]/g, " "))) return { ok: false, key: "name.invalid-characters" };
  const value = raw.trim().replace(/\s+/g, " ");
  if (value === "") return { ok: false, key: "name.empty" };
  if (Array.from(value).length > MAX_NAME_LENGTH) {
    return { ok: false, key: "name.too-long", params: { max: MAX_NAME_LENGTH } };
  }
  if (LOOKS_LIKE_ADDRESS.test(value)) {
    return { ok: false, key: value.includes("@") ? "name.email-address" : "name.web-address" };
  }
  if (!NAME_CHARACTERS.test(value) || !/\p{L}/u.test(value)) return { ok: false, key: "name.invalid-characters" };
  return { ok: true, value };
}

export const VALIDATORS: Record<IntakeField, (raw: string) => Validation> = {
  email: validateEmail,
  name: validateName,
};

/** The body of a Capture Input step: the answer as `value` or under the field's own name. */
export function intakeRequestSchema(field: IntakeField) {
  return z.object({ value: optionalText(MAX_RAW_VALUE), [field]: optionalText(MAX_RAW_VALUE) });
}

export type IntakeAnswer =
  | { valid: true; field: IntakeField; value: string; complete: boolean; missing: IntakeField[] }
  | { valid: false; field: IntakeField; message: string; attempts: number; exhausted: boolean };

export interface IntakeDeps {
  store: ChatStore;
  metrics: Metrics;
  log: Log;
  required: readonly IntakeField[];
  now: () => Date;
}

/**
 * One Capture Input step: a valid value is stored (latest wins), an invalid one only counted and
 * answered with what to change, in the visitor's culture.
 */
export async function recordIntake(
  deps: IntakeDeps,
  chatId: string,
  field: IntakeField,
  raw: string,
  culture: Culture,
): Promise<IntakeAnswer> {
  const result = VALIDATORS[field](raw);
  if (result.ok) {
    const record = await deps.store.recordValue(chatId, field, result.value, deps.now());
    deps.metrics.count("IntakeValid", field);
    const missing = missingFields(record, deps.required);
    deps.log.info("intake value accepted", { field, complete: missing.length === 0 });
    return { valid: true, field, value: result.value, complete: missing.length === 0, missing };
  }
  const record = await deps.store.recordInvalidAttempt(chatId, field, deps.now());
  const attempts = record[`${field}Attempts`] ?? 1;
  deps.metrics.count("IntakeInvalid", field);
  deps.log.info("intake value rejected", { field, attempts, problem: result.key });
  return {
    valid: false,
    field,
    message: visitorText(result, culture),
    attempts,
    exhausted: attempts >= MAX_ATTEMPTS,
  };
}

/** The CAIC `handover` event: intake starts, unless a handover is already under way or done. */
export async function startIntake(deps: Omit<IntakeDeps, "required">, chatId: string) {
  const { started, record } = await deps.store.startIntake(chatId, deps.now());
  if (started) deps.metrics.count("HandoverTriggered");
  deps.log.info(started ? "intake started" : "handover already active", { status: record.status });
  return { chatId, status: started ? "started" : record.status };
}
