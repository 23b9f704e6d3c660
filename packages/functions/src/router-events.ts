import { receiveRouterEvent } from "@caic-handover/core/router/router-events";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";
import { cmHistoryWiring } from "./wiring";

const runtime = await createRuntime("router-events");
const { config } = runtime;
const deps = {
  ...runtime,
  ...cmHistoryWiring(config, runtime.log, "session-end"),
};

export const handler = httpRoute(
  { log: runtime.log, keys: config, chatId: "optional", rawBody: true },
  async ({ rawBody, chatId }) => ({ json: await receiveRouterEvent(deps, rawBody, chatId) }),
);
