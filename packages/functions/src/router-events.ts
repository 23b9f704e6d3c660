import { receiveRouterEvent } from "@caic-handover/core/router-events";
import { httpRoute } from "./http";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("router-events");

export const handler = httpRoute(
  { log: runtime.log, key: runtime.config.HANDOVER_WEBHOOK_KEY, chatId: "optional", rawBody: true },
  async ({ rawBody, chatId }) => ({ json: await receiveRouterEvent(runtime, rawBody, chatId) }),
);
