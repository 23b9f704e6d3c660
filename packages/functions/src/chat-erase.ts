import { eraseChat } from "@caic-handover/core/chat/chat-admin";
import { CmHistoryClient, erasesCmHistoryOn } from "@caic-handover/core/router/cm-history";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("chat-erase");
const { config } = runtime;
const deps = {
  ...runtime,
  required: config.INTAKE_REQUIRED_FIELDS,
  ...(erasesCmHistoryOn(config.ERASE_CM_HISTORY, "erase")
    ? {
        cmHistory: new CmHistoryClient({
          baseUrl: config.ROUTING_API_URL,
          accountId: config.CM_TECHNICAL_LINK_ID,
          productToken: config.CM_PRODUCT_TOKEN,
          log: runtime.log,
        }),
      }
    : {}),
};

export const handler = httpRoute({ log: runtime.log, keys: config, chatId: "required" }, async ({ chatId }) => ({
  json: await eraseChat(deps, chatId!),
}));
