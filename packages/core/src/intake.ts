import * as z from "zod/mini";
import { missingFields } from "./chat";
import type { ChatStore } from "./chat-store";
import type { IntakeField } from "./config";
import { optionalText } from "./input";
import { MAX_RAW_MESSAGE, validateMessage } from "./intake-message";
import type { KnownValues } from "./known-values";
import type { Log, Metrics } from "./metrics";

/** After this many invalid answers to one field the dialog should stop asking. */
export const MAX_ATTEMPTS = 3;
const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 100;
/** Raw values above this are malformed requests, not answers a person typed. */
export const MAX_RAW_VALUE = 1024;

export type Validation = { ok: true; value: string } | { ok: false; message: string };

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^([\p{L}\p{N}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]([\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

export function validateEmail(raw: string): Validation {
  const value = raw.trim();
  if (value === "") return { ok: false, message: "Please enter your e-mail address." };
  if (value.length > MAX_EMAIL_LENGTH) return { ok: false, message: "That e-mail address is too long." };
  if (/[\s,;]/.test(value) || value.split("@").length > 2) {
    return { ok: false, message: "Please enter just one e-mail address." };
  }
  const at = value.lastIndexOf("@");
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at < 1 || local.length > 64 || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) {
    return { ok: false, message: "That doesn't look like an e-mail address. Please check it and try again." };
  }
  return { ok: true, value: `${local}@${domain.toLowerCase()}` };
}

const NAME_CHARACTERS = /^[\p{L}\p{M}' .-]+$/u;
const LOOKS_LIKE_ADDRESS = /(^|\s)www\.|\p{L}{2,}\.\p{L}{2,}|@|:\/\//iu;

export function validateName(raw: string): Validation {
  if (/\p{Cc}/u.test(raw.replace(/[\t\n\r]/g, " "))) {
    return { ok: false, message: "Please enter your name using letters only." };
  }
  const value = raw.trim().replace(/\s+/g, " ");
  if (value === "") return { ok: false, message: "Please enter your name." };
  if (Array.from(value).length > MAX_NAME_LENGTH) {
    return { ok: false, message: `That name is too long. Please use at most ${MAX_NAME_LENGTH} characters.` };
  }
  if (LOOKS_LIKE_ADDRESS.test(value)) {
    return { ok: false, message: "Please enter your name, not a web or e-mail address." };
  }
  if (!NAME_CHARACTERS.test(value) || !/\p{L}/u.test(value)) {
    return { ok: false, message: "Please enter your name using letters only." };
  }
  return { ok: true, value };
}

export const VALIDATORS: Record<IntakeField, (raw: string) => Validation> = {
  email: validateEmail,
  name: validateName,
  message: validateMessage,
};

/** The body of a Capture Input step: the answer as `value` or under the field's own name. */
export function intakeRequestSchema(field: IntakeField) {
  const max = field === "message" ? MAX_RAW_MESSAGE : MAX_RAW_VALUE;
  return z.object({ value: optionalText(max), [field]: optionalText(max) });
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

const NONE_KNOWN: KnownValues = { valid: {}, invalid: [] };

/**
 * One Capture Input step: a valid value is stored (latest wins), an invalid one only counted.
 * Values the bot already knew for other fields ride along in the same write.
 */
export async function recordIntake(
  deps: IntakeDeps,
  chatId: string,
  field: IntakeField,
  raw: string,
  known: KnownValues = NONE_KNOWN,
): Promise<IntakeAnswer> {
  const result = VALIDATORS[field](raw);
  if (result.ok) {
    const record = await deps.store.recordValue(chatId, field, result.value, deps.now(), known.valid);
    deps.metrics.count("IntakeValid", field);
    countKnown(deps, known);
    const missing = missingFields(record, deps.required);
    deps.log.info("intake value accepted", { field, complete: missing.length === 0 });
    return { valid: true, field, value: result.value, complete: missing.length === 0, missing };
  }
  const record = await deps.store.recordInvalidAttempt(chatId, field, deps.now(), known.valid);
  const attempts = record[`${field}Attempts`] ?? 1;
  deps.metrics.count("IntakeInvalid", field);
  countKnown(deps, known);
  deps.log.info("intake value rejected", { field, attempts });
  return { valid: false, field, message: result.message, attempts, exhausted: attempts >= MAX_ATTEMPTS };
}

function countKnown(deps: Pick<IntakeDeps, "metrics" | "log">, known: KnownValues) {
  const stored = Object.keys(known.valid) as IntakeField[];
  for (const field of stored) deps.metrics.count("IntakeKnown", field);
  if (stored.length > 0 || known.invalid.length > 0) {
    deps.log.info("known values", { stored, invalid: known.invalid });
  }
}

/**
 * The CAIC `handover` event: intake starts, unless a handover is already under way or done. Valid
 * known values are stored; the answer says what is still missing, so the dialog asks only for that.
 */
export async function startIntake(deps: IntakeDeps, chatId: string, known: KnownValues = NONE_KNOWN) {
  const { started, record } = await deps.store.startIntake(chatId, deps.now(), known.valid);
  if (started) deps.metrics.count("HandoverTriggered");
  countKnown(deps, known);
  deps.log.info(started ? "intake started" : "handover already active", { status: record.status });
  const missing = missingFields(record, deps.required);
  return {
    chatId,
    status: started ? "started" : record.status,
    complete: missing.length === 0,
    missing,
    emailKnown: record.email !== undefined,
    nameKnown: record.name !== undefined,
    messageKnown: record.message !== undefined,
  };
}
