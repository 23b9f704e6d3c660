import { HttpForwarder, receiveHandoverNotification } from "@caic-handover/core/router/notification";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("handover-notification");
const target = runtime.config.WEB_CONVERSATIONS_HANDOVER_URL;
const deps = { ...runtime, forwarder: target ? new HttpForwarder(target) : undefined };

export const handler = httpRoute(
  { log: runtime.log, keys: runtime.config, chatId: "optional", rawBody: true },
  async ({ rawBody, contentType, chatId }) => ({
    json: await receiveHandoverNotification(deps, rawBody, contentType || "application/json", chatId),
  }),
);
