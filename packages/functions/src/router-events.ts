import { CmHistoryClient, erasesCmHistoryOn } from "@caic-handover/core/router/cm-history";
import { receiveRouterEvent } from "@caic-handover/core/router/router-events";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("router-events");
const { config } = runtime;
const deps = {
  ...runtime,
  ...(erasesCmHistoryOn(config.ERASE_CM_HISTORY, "session-end")
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

export const handler = httpRoute(
  { log: runtime.log, keys: config, chatId: "optional", rawBody: true },
  async ({ rawBody, chatId }) => ({ json: await receiveRouterEvent(deps, rawBody, chatId) }),
);
