import type { ChatStore } from "../chat/chat-store";
import type { Log, Metrics } from "../shared/metrics";
import { type CmHistoryEraseDeps, eraseCmHistory } from "./cm-history";
import { findChat, findRouterSessionId, isObject, parseTolerantJson } from "./notification";

export const SESSION_ENDED = "RouterSessionEnded";

/** Event type names are matched without regard to case (or surrounding white space). */
const isSessionEnded = (type: string) => type.trim().toLowerCase() === SESSION_ENDED.toLowerCase();

/** Event type names found in a TwoWay event callback (`conversationEvents[].$type`) or a flat body. */
export function eventTypes(parsed: unknown): string[] {
  if (!isObject(parsed)) return [];
  const events = Array.isArray(parsed.conversationEvents) ? parsed.conversationEvents : [parsed];
  return events
    .filter(isObject)
    .map((event) => event.$type ?? event.type ?? event.eventType ?? event.event ?? event.name)
    .filter((type): type is string => typeof type === "string");
}

export interface RouterEventDeps {
  store: Pick<ChatStore, "endSession" | "get" | "recordCmHistory" | "recordRouterSession">;
  /** Set when ERASE_CM_HISTORY is `on-session-end`: the session's history at CM goes too. */
  cmHistory?: CmHistoryEraseDeps["history"];
  metrics: Metrics;
  log: Log;
  now: () => Date;
}

/** `RouterSessionEnded` ends the chat and erases its personal data; other events are acknowledged. */
export async function receiveRouterEvent(
  deps: RouterEventDeps,
  raw: string,
  fallbackChatId: string | undefined,
): Promise<{ ok: true }> {
  const parsed = parseTolerantJson(raw);
  const types = eventTypes(parsed);
  const found = findChat(raw, parsed);
  if (found.ambiguous !== undefined) {
    deps.log.warn("router event naming several chats ignored", { chats: found.ambiguous });
    return { ok: true };
  }
  const chatId = found.chatId ?? fallbackChatId;
  if (!types.some(isSessionEnded)) {
    // An unknown type is the caller's text (a name, even): only that it was unknown is logged.
    deps.log.info("router event ignored", { chatId, unknownTypes: types.length });
    return { ok: true };
  }
  if (chatId === undefined) {
    deps.log.warn("session end without a chat id");
    return { ok: true };
  }
  const eventSessionId = findRouterSessionId(raw, parsed);
  if (deps.cmHistory && eventSessionId !== undefined) {
    // Kept (for a chat whose handover this run asked for) so a failed erase at CM can be retried.
    await deps.store.recordRouterSession(chatId, eventSessionId, deps.now()).catch((error: unknown) => {
      deps.log.warn("could not keep the session end's Router session id", {
        error: error instanceof Error ? error.name : "error",
      });
    });
  }
  const result = await deps.store.endSession(chatId, deps.now());
  if (result === "ended") deps.metrics.count("SessionEnded");
  deps.log.info("router session ended", { chatId, result });
  if (result !== "unknown" && deps.cmHistory) {
    await eraseCmHistory({ ...deps, history: deps.cmHistory }, chatId, eventSessionId);
  }
  return { ok: true };
}
