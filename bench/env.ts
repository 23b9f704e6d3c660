import { type HandlerTargets, handlerEnv as localHandlerEnv } from "@caic-handover/local/local-defaults";

/**
 * The environment a handler builds its config from at import. Logs (INFO) and EMF metrics stay on,
 * as deployed: their serialisation is part of a handler's cost; the bench discards the lines.
 */
export function handlerEnv(targets: HandlerTargets): Record<string, string> {
  return { ...localHandlerEnv(targets), POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_METRICS_DISABLED: "false" };
}
