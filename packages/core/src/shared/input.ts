import * as z from "zod/mini";
import { BadRequestError } from "./errors";

/** Parses request input with its schema; a failure becomes a 400 that names the field. */
export function parseInput<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join(".") : "body";
  const absent = valueAt(input, issue.path) === undefined;
  throw new BadRequestError(`${field} ${describe(issue, absent)}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) =>
      typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined,
    input,
  );
}

function describe(issue: z.core.$ZodIssue, absent: boolean): string {
  switch (issue.code) {
    case "invalid_type":
      return absent ? "is required" : `must be ${article(issue.expected)}`;
    case "too_big":
      return `must be at most ${issue.maximum} characters`;
    case "too_small":
      return `must be at least ${issue.minimum} characters`;
    case "invalid_format":
      return "has an invalid format";
    default:
      return "is invalid";
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** Words a dialog or client sends for a variable that has no value. */
const NO_VALUE_WORDS = new Set([
  "null",
  "undefined",
  "nil",
  "none",
  "nan",
  "n/a",
  "(null)",
  "<null>",
  "unset",
  "empty",
]);
/** A template variable that was sent as written: `{{chatId}}`, `{chatId}`, `${chatId}`, `#{chatId}`, `%chatId%`, `[[chatId]]`, `$chatId`. */
const WHOLE_PLACEHOLDER = /^(\{\{.*\}\}|\{[^{}]*\}|[$#]\{.*\}|%[^%\s]+%|\[\[.*\]\]|\$[A-Za-z_][\w.]*)$/s;

/** A word for "no value", such as `null` or `undefined` (any case, surrounding white space ignored). */
export function isNoValueWord(text: string): boolean {
  return NO_VALUE_WORDS.has(text.trim().toLowerCase());
}

/** A template placeholder the dialog did not replace, whole or inside the value (`{{`, `}}`, `${`). */
export function isPlaceholder(text: string): boolean {
  const trimmed = text.trim();
  return WHOLE_PLACEHOLDER.test(trimmed) || /\{\{|\}\}|\$\{/.test(trimmed);
}

/**
 * An unset dialog variable: JSON `null`, an empty or blank string, a word for "no value", or a
 * placeholder nobody replaced. Such an optional parameter is absent.
 */
export function isUnset(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  return typeof value === "string" && (value.trim() === "" || isNoValueWord(value) || isPlaceholder(value));
}

/**
 * A bounded optional text field as CAIC, Web Conversations or a form post sends it: trimmed, and
 * absent when unset (so it never overwrites a value recorded earlier).
 */
export const optionalText = (max: number) =>
  z.optional(
    z.pipe(
      z.transform((value: unknown) => (isUnset(value) ? undefined : typeof value === "string" ? value.trim() : value)),
      z.optional(z.string().check(z.maxLength(max))),
    ),
  );
