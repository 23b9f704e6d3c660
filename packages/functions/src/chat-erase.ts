import { eraseChat } from "@caic-handover/core/chat/chat-admin";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";
import { cmHistoryWiring } from "./wiring";

const runtime = await createRuntime("chat-erase");
const { config } = runtime;
const deps = {
  ...runtime,
  required: config.INTAKE_REQUIRED_FIELDS,
  ...cmHistoryWiring(config, runtime.log, "erase"),
};

export const handler = httpRoute({ log: runtime.log, keys: config, chatId: "required" }, async ({ chatId }) => ({
  json: await eraseChat(deps, chatId!),
}));
