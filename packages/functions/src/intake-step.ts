import type { IntakeField } from "@caic-handover/core/config";
import { BadRequestError } from "@caic-handover/core/errors";
import { parseInput } from "@caic-handover/core/input";
import { intakeRequestSchema, recordIntake } from "@caic-handover/core/intake";
import { KnownValuesSchema, knownValues } from "@caic-handover/core/known-values";
import { httpRoute } from "./http";
import { createRuntime } from "./runtime";

/** A Capture Input step's handler: the answer comes as `value` or under the field's own name; other fields are known values. */
export async function intakeStep(field: IntakeField) {
  const runtime = await createRuntime(`intake-${field}`);
  const deps = { ...runtime, required: runtime.config.INTAKE_REQUIRED_FIELDS };
  const schema = intakeRequestSchema(field);
  return httpRoute(
    { log: runtime.log, key: runtime.config.HANDOVER_WEBHOOK_KEY, chatId: "required" },
    async (request) => {
      const input = parseInput(schema, request.fields);
      const raw = input.value ?? input[field];
      if (raw === undefined) throw new BadRequestError(`${field} is required (as "value" or "${field}")`);
      const known = knownValues(parseInput(KnownValuesSchema, request.fields), field);
      return { json: await recordIntake(deps, request.chatId!, field, raw, known) };
    },
  );
}
