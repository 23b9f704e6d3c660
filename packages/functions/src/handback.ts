import { requestHandback } from "@caic-handover/core/handover/handback";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";
import { routerWiring } from "./wiring";

const runtime = await createRuntime("handback");
const { config } = runtime;
const deps = {
  ...runtime,
  ...routerWiring(config, runtime.log),
};

export const handler = httpRoute({ log: runtime.log, keys: config, chatId: "required" }, async ({ chatId }) => ({
  json: await requestHandback(deps, chatId!),
}));
