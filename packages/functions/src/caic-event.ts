import { startIntake } from "@caic-handover/core/intake";
import { httpRoute } from "./http";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("caic-event");

export const handler = httpRoute(
  { log: runtime.log, key: runtime.config.HANDOVER_WEBHOOK_KEY, chatId: "required" },
  async ({ chatId }) => ({ json: await startIntake(runtime, chatId!) }),
);
