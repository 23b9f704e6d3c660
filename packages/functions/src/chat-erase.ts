import { eraseChat } from "@caic-handover/core/chat-admin";
import { httpRoute } from "./http";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("chat-erase");
const deps = { ...runtime, required: runtime.config.INTAKE_REQUIRED_FIELDS };

export const handler = httpRoute(
  { log: runtime.log, key: runtime.config.HANDOVER_WEBHOOK_KEY, chatId: "required" },
  async ({ chatId }) => ({ json: await eraseChat(deps, chatId!) }),
);
