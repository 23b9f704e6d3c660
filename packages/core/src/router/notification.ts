import { parseChatId } from "../chat/chat-id";
import type { ChatStore } from "../chat/chat-store";
import { StoreUnavailableError } from "../shared/errors";
import type { Log, Metrics } from "../shared/metrics";
import { isRouterSessionId } from "./cm-history";

/**
 * Parses a Router callback body tolerantly. The Router's default handover template renders an
 * empty `{{$context}}` as `"context":}`; such holes are filled with `null` before giving up.
 */
export function parseTolerantJson(raw: string): unknown {
  const text = raw.replace(/^\uFEFF/, "");
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/:\s*(?=[,}\]])/g, ":null"));
    } catch {
      return undefined;
    }
  }
}

/**
 * Finds the chat id of a Router callback: `chatId`, `ChatId` or `chat.id`, else by pattern in broken JSON.
 * A body naming two different chats names none (rule 5): `ambiguous` counts the ids it named.
 */
export function findChatId(raw: string, parsed: unknown): string | undefined {
  return findChat(raw, parsed).chatId;
}

export function findChat(raw: string, parsed: unknown): { chatId?: string; ambiguous?: number } {
  const body = isObject(parsed) ? parsed : {};
  const chat = isObject(body.chat) ? body.chat : {};
  const named = [body.chatId, body.ChatId, chat.id];
  if (!named.some((value) => typeof value === "string")) {
    for (const match of raw.matchAll(/"chat_?id"\s*:\s*"([^"]{1,200})"/gi)) named.push(match[1]);
  }
  const ids = new Set<string>();
  for (const candidate of named) {
    if (typeof candidate !== "string") continue;
    try {
      ids.add(parseChatId(candidate).chatId);
    } catch {
      // not a chat id
    }
  }
  if (ids.size > 1) return { ambiguous: ids.size };
  const [chatId] = ids;
  return chatId === undefined ? {} : { chatId };
}

/**
 * Finds the Router's session id in its Handover Endpoint body (a GUID as CM writes one, or an id of
 * the same path-safe alphabet: `isRouterSessionId`; an unreplaced `{{$sessionId}}`, `.` or `..` is none):
 * the default template's `sessionId`,
 * a TwoWay body's `chat.sessionId`, `SessionId` or `routerSessionId`, else by pattern in broken JSON.
 */
export function findRouterSessionId(raw: string, parsed: unknown): string | undefined {
  const body = isObject(parsed) ? parsed : {};
  const chat = isObject(body.chat) ? body.chat : {};
  const candidate =
    [body.sessionId, body.SessionId, body.routerSessionId, chat.sessionId, chat.SessionId].find(
      (value) => typeof value === "string" && value !== "",
    ) ?? /"(?:router)?session_?id"\s*:\s*"([^"]{1,200})"/i.exec(raw)?.[1];
  return typeof candidate === "string" && isRouterSessionId(candidate) ? candidate : undefined;
}

export interface Forwarder {
  /** Delivers the raw notification to Web Conversations; rejects on any failure. */
  forward(body: string, contentType: string): Promise<void>;
}

export interface NotificationDeps {
  store: Pick<ChatStore, "confirmHandover">;
  forwarder: Forwarder | undefined;
  metrics: Metrics;
  log: Log;
  now: () => Date;
}

/**
 * The Router's Handover Endpoint: marks the chat handed over (once) and passes the raw body on to
 * Web Conversations. Never fails towards the Router, so it does not retry: not even when the
 * chat store is down, because the forward matters more than our mark.
 */
export async function receiveHandoverNotification(
  deps: NotificationDeps,
  raw: string,
  contentType: string,
  fallbackChatId: string | undefined,
): Promise<{ ok: true }> {
  const parsed = parseTolerantJson(raw);
  const found = findChat(raw, parsed);
  if (found.ambiguous !== undefined) {
    // A body naming two different chats changes nothing and goes nowhere.
    deps.log.warn("handover notification naming several chats ignored", { chats: found.ambiguous });
    return { ok: true };
  }
  const chatId = found.chatId ?? fallbackChatId;
  const routerSessionId = findRouterSessionId(raw, parsed);
  if (chatId === undefined) {
    deps.log.warn("handover notification without a chat id");
  } else {
    try {
      const result = await deps.store.confirmHandover(chatId, deps.now(), routerSessionId);
      if (result === "confirmed") deps.metrics.count("HandoverConfirmed");
      deps.log.info("handover notification received", { chatId, result, routerSessionId: routerSessionId ?? null });
      if (result === "stale") {
        // The run moved on (handed back, ended, a new run): Web Conversations must not switch to the agent.
        deps.log.warn("late handover notification not forwarded", { chatId });
        return { ok: true };
      }
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      // Web Conversations must still switch to live chat; our own mark is what is lost, and said so.
      deps.log.error("could not mark the chat handed over", { chatId, error: error.message });
    }
  }
  if (deps.forwarder) {
    try {
      await deps.forwarder.forward(raw, contentType);
    } catch (error) {
      deps.metrics.count("NotificationForwardFailed");
      deps.log.warn("forwarding the handover notification failed", {
        chatId,
        error: error instanceof Error ? error.message : "error",
      });
    }
  }
  return { ok: true };
}

/** How long forwarding a notification to Web Conversations may take (docs/design.md#timing). */
export const FORWARD_TIMEOUT_MS = 3000;

/** Forwards with a deadline; any non-2xx, network error or timeout rejects. */
export class HttpForwarder implements Forwarder {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = FORWARD_TIMEOUT_MS,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {}

  async forward(body: string, contentType: string): Promise<void> {
    const response = await this.fetchImpl(this.url, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`forward target answered ${response.status}`);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
