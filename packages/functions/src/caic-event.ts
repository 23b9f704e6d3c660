import type { IntakeField } from "@caic-handover/core/config/config";
import { handoverDetails, readHandoverDetails } from "@caic-handover/core/handover/handover-details";
import { recordKnownValue, startIntake } from "@caic-handover/core/intake/intake";
import { KnownValuesSchema, knownValues } from "@caic-handover/core/intake/known-values";
import { CultureRequestSchema } from "@caic-handover/core/language/culture";
import { BadRequestError } from "@caic-handover/core/shared/errors";
import { parseInput } from "@caic-handover/core/shared/input";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("caic-event");
const deps = {
  ...runtime,
  required: runtime.config.INTAKE_REQUIRED_FIELDS,
  retryWindowSeconds: runtime.config.HANDOVER_RETRY_WINDOW_SECONDS,
};
const KNOWN_FIELDS: readonly string[] = ["email", "name", "message"] satisfies IntakeField[];

/**
 * The start of the handover dialog. Known values ride along as JSON or form fields, or one at a time
 * as a plain-text body with `?chatId=…&known=<field>` (the setup guide's form: no value can break it).
 * A JSON body a known value broke (a `"` or `\` in a name) still starts the intake, with nothing
 * known, so the dialog goes on to ask.
 */
export const handler = httpRoute(
  { log: runtime.log, keys: runtime.config, chatId: "required", answerBody: true },
  async ({ chatId, bodyForm, fields, query, rawBody }) => {
    if (bodyForm === "text" || (bodyForm === "fields" && query.known !== undefined)) {
      const field = query.known;
      if (field === undefined || !KNOWN_FIELDS.includes(field)) {
        throw new BadRequestError(
          bodyForm === "text"
            ? "body as plain text is one known value: add ?known=email, name or message"
            : "?known= names one known value: email, name or message",
        );
      }
      // The guide's alternative where a plain-text body is not sent as typed: the same call with a
      // form body `value=…` (or the field's own name), answering the same `{"field","known"}`.
      const formValue = bodyForm === "fields" ? (fields.value ?? fields[field]) : rawBody;
      const value = typeof formValue === "string" ? formValue : "";
      return { json: await recordKnownValue(deps, chatId!, field as IntakeField, value) };
    }
    if (bodyForm === "unreadable") {
      runtime.log.warn("known values unreadable: the body is not valid JSON; intake starts with none known", {
        problem: "unreadable-body",
      });
      return { json: await startIntake(deps, chatId!) };
    }
    const details = handoverDetails(readHandoverDetails(fields, runtime.log), parseInput(CultureRequestSchema, fields));
    return { json: await startIntake(deps, chatId!, knownValues(parseInput(KnownValuesSchema, fields)), details) };
  },
);
