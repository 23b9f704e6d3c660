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

/** A bounded optional text field as CAIC, Web Conversations or a form post sends it. */
export const optionalText = (max: number) => z.optional(z.string().check(z.maxLength(max)));
