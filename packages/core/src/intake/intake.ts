import * as z from "zod/mini";
import { missingFields } from "../chat/chat";
import type { ChatStore } from "../chat/chat-store";
import type { IntakeField } from "../config/config";
import type { HandoverDetails } from "../handover/handover-details";
import type { Culture } from "../language/culture";
import { isPlaceholder } from "../shared/input";
import type { Validation } from "./field-validator";
import { VALIDATORS } from "./intake-validation";
import { type KnownValues, knownValues } from "./known-values";

const knownValuesOf = (field: IntakeField, raw: string) => knownValues({ [field]: raw });

import type { Log, Metrics } from "../shared/metrics";

/** After this many invalid answers to one field the dialog should stop asking. */
export const MAX_ATTEMPTS = 3;

/**
 * The body of a Capture Input step: the answer as `value` or under the field's own name, any
 * length (a visitor's long answer is an invalid answer, not a malformed request). JSON `null` is
 * an unset variable: an empty answer.
 */
export function intakeRequestSchema(field: IntakeField) {
  const answer = z.optional(z.nullable(z.string()));
  return z.object({ value: answer, [field]: answer });
}

/** The answer in a parsed step body: the first one given that is not blank, else a blank one, else none. */
export function answerOf(input: Record<string, string | null | undefined>, field: IntakeField): string | undefined {
  const given = [input.value, input[field]].filter((answer) => answer !== undefined).map((answer) => answer ?? "");
  return given.find((answer) => answer.trim() !== "") ?? given[0];
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
  /** HANDOVER_RETRY_WINDOW_SECONDS: a `caic/events` this soon after a run in flight began is its retry. */
  retryWindowSeconds?: number;
}

const NONE_KNOWN: KnownValues = { valid: {}, invalid: [] };
/** What a dialog sends for a variable it never set; a visitor would not type these in lower case. */
const UNSET_ANSWER = new Set(["null", "undefined"]);

/**
 * One Capture Input step: a valid value is stored (latest wins), an invalid one only counted.
 * Values the bot already knew for other fields ride along in the same write.
 */
export function recordIntake(
  deps: IntakeDeps,
  chatId: string,
  field: IntakeField,
  raw: string,
  culture: Culture,
  known: KnownValues = NONE_KNOWN,
): Promise<IntakeAnswer> {
  // A dialog's unset variable (`null`, `undefined`, an unreplaced `{{question}}`) is no answer.
  const answer = UNSET_ANSWER.has(raw.trim()) || isPlaceholder(raw) ? "" : raw;
  return recordValidation(deps, chatId, field, VALIDATORS[field](answer), culture, known);
}

/**
 * A step whose body could not be read, such as a JSON template a visitor's `"` or `\` broke: an
 * invalid answer like any other, so the dialog can count it and stop after the last attempt.
 */
export function recordUnreadableAnswer(
  deps: IntakeDeps,
  chatId: string,
  field: IntakeField,
  culture: Culture,
): Promise<IntakeAnswer> {
  return recordValidation(deps, chatId, field, { ok: false, key: "answer.unreadable" }, culture, NONE_KNOWN);
}

async function recordValidation(
  deps: IntakeDeps,
  chatId: string,
  field: IntakeField,
  result: Validation,
  culture: Culture,
  known: KnownValues,
): Promise<IntakeAnswer> {
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
  deps.log.info("intake value rejected", { field, attempts, problem: result.key });
  return {
    valid: false,
    field,
    // The catalogue loads on the first rejected answer, not at cold start (docs/performance.md#what-a-cold-start-evaluates).
    message: (await import("../language/messages")).visitorText(result, culture),
    attempts,
    exhausted: attempts >= MAX_ATTEMPTS,
  };
}

/** What a known value sent on its own answers: whether it is now known, and what is still missing. */
export type KnownValueAnswer =
  | { field: IntakeField; known: true; complete: boolean; missing: IntakeField[] }
  | { field: IntakeField; known: false };

/**
 * One value the bot already knows, sent alone as a plain-text body (no template a `"` or `\` in it
 * can break): stored when it passes the field's own checks, otherwise simply not known, so the
 * visitor is asked. Never an attempt: a logged-in visitor keeps all three tries.
 */
export async function recordKnownValue(
  deps: IntakeDeps,
  chatId: string,
  field: IntakeField,
  raw: string,
): Promise<KnownValueAnswer> {
  const known = knownValuesOf(field, raw);
  countKnown(deps, known);
  const value = known.valid[field];
  if (value === undefined) return { field, known: false };
  const record = await deps.store.recordValue(chatId, field, value, deps.now());
  const missing = missingFields(record, deps.required);
  return { field, known: true, complete: missing.length === 0, missing };
}

function countKnown(deps: Pick<IntakeDeps, "metrics" | "log">, known: KnownValues) {
  const stored = Object.keys(known.valid) as IntakeField[];
  for (const field of stored) deps.metrics.count("IntakeKnown", field);
  if (stored.length > 0 || known.invalid.length > 0) {
    deps.log.info("known values", { stored, invalid: known.invalid });
  }
}

/**
 * The CAIC `handover` event starts a new run (docs/design.md#runs): CAIC fires it only while the bot
 * holds the conversation, so any earlier handover is over. Unless it is a retry: the run in flight
 * (unconfirmed, or confirmed) began less than HANDOVER_RETRY_WINDOW_SECONDS ago, or its claim's lease is
 * live; then it answers that run's status. Valid
 * known values are stored; the answer says what is still missing, so the dialog asks only for that.
 */
export async function startIntake(
  deps: IntakeDeps,
  chatId: string,
  known: KnownValues = NONE_KNOWN,
  details: HandoverDetails = {},
) {
  const given = Object.keys(details).length > 0 ? details : undefined;
  const { started, record } = await deps.store.startIntake(
    chatId,
    deps.now(),
    known.valid,
    given,
    deps.retryWindowSeconds,
  );
  if (started) deps.metrics.count("HandoverTriggered");
  countKnown(deps, known);
  deps.log.info(started ? "run started" : "retry of the run in flight", { status: record.status });
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
