import { type CultureRequest, cultureTag } from "../language/culture";
import { DIRECTION_CONTROLS, removeFormatCharacters } from "../language/invisible";
import { isUnset } from "../shared/input";
import type { Log } from "../shared/metrics";

/** Why the bot hands over, in the dialog's words (never the visitor's): one line of text. */
export const MAX_REASON_LENGTH = 200;
export const MAX_SKILL_LENGTH = 64;

/** A run of white space or control characters (a line break, a tab, NBSP): one space in a detail. */
const SPACING = /[\s\p{Cc}\u2028\u2029]+/gu;
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * A skill is a routing keyword: letters, marks and digits of any script, spaces, the joiners a script
 * spells with (kept only where it does, as in Persian `پشتیبانی‌فنی`), and `_.,;:/&+-'’`.
 */
const SKILL = /^(?:[\p{L}\p{M}\p{N} _.,;:/&+'\u2019-]|\u200c|\u200d)*$/u;

export type DetailProblem = "not-text" | "direction-control" | "characters" | "too-long";

/**
 * One detail as the dialog sent it, made one clean line: invisible characters removed (except what a
 * script spells with, packages/core/src/language/invisible.ts), any run of white space or control characters
 * one space, trimmed. A direction control (it would make the agent read another text) is refused,
 * as is a value too long or, for a skill, a character outside its alphabet. Unset values are absent.
 */
export function normaliseDetail(field: "reason" | "skill", raw: unknown): { value?: string; problem?: DetailProblem } {
  if (isUnset(raw)) return {};
  if (typeof raw !== "string") return { problem: "not-text" };
  if (DIRECTION_CONTROLS.test(raw)) return { problem: "direction-control" };
  if (LONE_SURROGATE.test(raw)) return { problem: "characters" };
  const value = removeFormatCharacters(raw.normalize("NFC"), "script").replace(SPACING, " ").trim();
  if (value === "" || isUnset(value)) return {};
  if (Array.from(value).length > (field === "reason" ? MAX_REASON_LENGTH : MAX_SKILL_LENGTH)) {
    return { problem: "too-long" };
  }
  if (field === "skill" && !SKILL.test(value)) return { problem: "characters" };
  return { value };
}

/**
 * What the dialog tells the agent beside the visitor's details, on `POST /caic/events` or `/handover`:
 * `reason` and `skill` (CM's output addition that fills Routing Keywords). They only inform the agent,
 * so a refused one never stops the intake or the handover: it is left out, and a warning names the
 * field and the problem (never the value). Unset values are absent.
 */
export function readHandoverDetails(
  fields: Record<string, unknown>,
  log: Pick<Log, "warn">,
): { reason?: string; skill?: string } {
  const details: { reason?: string; skill?: string } = {};
  for (const field of ["reason", "skill"] as const) {
    const { value, problem } = normaliseDetail(field, fields[field]);
    if (problem !== undefined) log.warn("handover detail ignored", { field, problem });
    if (value !== undefined) details[field] = value;
  }
  return details;
}

/** What a chat keeps for the agent's Context: the dialog's reason and skill, and the visitor's culture tag. */
export interface HandoverDetails {
  reason?: string;
  skill?: string;
  culture?: string;
}

/** The details a call carries, only those given (an absent one never overwrites a recorded one). */
export function handoverDetails(input: { reason?: string; skill?: string }, culture: CultureRequest): HandoverDetails {
  const tag = cultureTag(culture);
  return {
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.skill === undefined ? {} : { skill: input.skill }),
    ...(tag === undefined ? {} : { culture: tag }),
  };
}
