import type { IntakeField } from "@caic-handover/core/config/config";
import { answerOf, intakeRequestSchema, recordIntake, recordUnreadableAnswer } from "@caic-handover/core/intake/intake";
import { KnownValuesSchema, knownValues } from "@caic-handover/core/intake/known-values";
import { CultureRequestSchema, requestedCulture } from "@caic-handover/core/language/culture";
import { BadRequestError } from "@caic-handover/core/shared/errors";
import { parseInput } from "@caic-handover/core/shared/input";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";

/**
 * A Capture Input step's handler: the answer is the plain-text body (chat id in the URL), or
 * `value` or the field's own name in a JSON or form body; other fields are values the bot already knows.
 */
export async function intakeStep(field: IntakeField) {
  const runtime = await createRuntime(`intake-${field}`);
  const deps = { ...runtime, required: runtime.config.INTAKE_REQUIRED_FIELDS };
  const schema = intakeRequestSchema(field);
  return httpRoute(
    { log: runtime.log, keys: runtime.config, chatId: "required", answerBody: true },
    async (request) => {
      const chatId = request.chatId!;
      const culture = requestedCulture(
        parseInput(CultureRequestSchema, request.fields),
        runtime.config.DEFAULT_CULTURE,
      );
      if (request.bodyForm === "unreadable") {
        return { json: await recordUnreadableAnswer(deps, chatId, field, culture) };
      }
      const known = knownValues(parseInput(KnownValuesSchema, request.fields), field);
      if (request.bodyForm === "text") {
        return { json: await recordIntake(deps, chatId, field, request.rawBody, culture, known) };
      }
      const raw = answerOf(parseInput(schema, request.fields), field);
      if (raw === undefined) throw new BadRequestError(`${field} is required (as "value" or "${field}")`);
      return { json: await recordIntake(deps, chatId, field, raw, culture, known) };
    },
  );
}
