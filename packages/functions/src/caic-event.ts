import { parseInput } from "@caic-handover/core/input";
import { startIntake } from "@caic-handover/core/intake";
import { KnownValuesSchema, knownValues } from "@caic-handover/core/known-values";
import { httpRoute } from "./http";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("caic-event");
const deps = {
  ...runtime,
  required: runtime.config.INTAKE_REQUIRED_FIELDS,
  retryWindowSeconds: runtime.config.HANDOVER_RETRY_WINDOW_SECONDS,
};

export const handler = httpRoute(
  { log: runtime.log, key: runtime.config.HANDOVER_WEBHOOK_KEY, chatId: "required" },
  async ({ chatId, fields }) => ({
    json: await startIntake(deps, chatId!, knownValues(parseInput(KnownValuesSchema, fields))),
  }),
);
