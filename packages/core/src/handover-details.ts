import * as z from "zod/mini";
import { type CultureRequest, cultureTag } from "./culture";
import { optionalText } from "./input";

/** Why the bot hands over, in the dialog's words (never the visitor's): one line of text. */
export const MAX_REASON_LENGTH = 200;
export const MAX_SKILL_LENGTH = 64;

/** No control characters: the reason is shown to an agent and written into CM's Context as one line. */
const ONE_LINE = /^[^\p{Cc}\p{Cs}\u2028\u2029]*$/u;
/** A skill is a routing keyword: letters, digits and the few separators keyword lists use. */
const SKILL = /^[\p{L}\p{M}\p{N} _.,;:/&+-]*$/u;

/**
 * What the dialog tells the agent beside the visitor's details, on `POST /caic/events` or `/handover`:
 * `reason` and `skill` (CM's output addition that fills Routing Keywords). Unset values are absent.
 */
export const HandoverDetailsSchema = z.object({
  reason: z.optional(z.pipe(optionalText(MAX_REASON_LENGTH), z.optional(z.string().check(z.regex(ONE_LINE))))),
  skill: z.optional(z.pipe(optionalText(MAX_SKILL_LENGTH), z.optional(z.string().check(z.regex(SKILL))))),
});
export type HandoverDetailsInput = z.infer<typeof HandoverDetailsSchema>;

/** What a chat keeps for the agent's Context: the dialog's reason and skill, and the visitor's culture tag. */
export interface HandoverDetails {
  reason?: string;
  skill?: string;
  culture?: string;
}

/** The details a call carries, only those given (an absent one never overwrites a recorded one). */
export function handoverDetails(input: HandoverDetailsInput, culture: CultureRequest): HandoverDetails {
  const tag = cultureTag(culture);
  return {
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.skill === undefined ? {} : { skill: input.skill }),
    ...(tag === undefined ? {} : { culture: tag }),
  };
}
