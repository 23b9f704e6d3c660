import { describeChat } from "@caic-handover/core/chat/chat-admin";
import { NotFoundError } from "@caic-handover/core/shared/errors";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("chat-status");
const deps = { ...runtime, required: runtime.config.INTAKE_REQUIRED_FIELDS };

export const handler = httpRoute({ log: runtime.log, keys: runtime.config, chatId: "required" }, async ({ chatId }) => {
  const view = await describeChat(deps, chatId!);
  if (view === undefined) throw new NotFoundError("chat");
  return { json: view };
});
