import type { ChatStore } from "../chat/chat-store";
import type { Culture } from "../language/culture";
import type { Log, Metrics } from "../shared/metrics";
import type { AvailabilityRequest } from "./availability-request";
import { type BusinessHours, opensAtText } from "./business-hours";
import type { PresenceAnswer, PresenceClient } from "./presence";

export interface AvailabilityDeps {
  presence: Pick<PresenceClient, "check">;
  store: Pick<ChatStore, "recordPresence">;
  metrics: Metrics;
  log: Log;
  defaultChannel: string;
  defaultReferrer: string | undefined;
  businessHours?: BusinessHours;
  now: () => Date;
}

/** Whether an agent can take a chat now: business hours first, then presence; the answer counted, logged and recorded on the chat. */
export async function checkAvailability(
  deps: AvailabilityDeps,
  chatId: string | undefined,
  request: AvailabilityRequest,
  culture: Culture,
): Promise<PresenceAnswer> {
  const referrer = request.referrer ?? request.url ?? deps.defaultReferrer;
  const channel = request.channel ?? deps.defaultChannel;
  const now = deps.now();
  const closed = deps.businessHours?.closedUntil(now);
  const result: PresenceAnswer = closed
    ? {
        agentStatus: "offline",
        agentAvailable: false,
        reason: "closed",
        ...(closed.opensAt
          ? {
              opensAt: closed.opensAt,
              opensAtText: opensAtText(closed.opensAt, deps.businessHours!.timeZone, culture, now),
            }
          : {}),
      }
    : await deps.presence.check(channel, referrer, { storeRequired: chatId !== undefined });

  if (result.agentAvailable) deps.metrics.count("AgentsOnline");
  else deps.metrics.count("AgentsOffline", result.reason);
  if (
    result.reason === "presence-error" ||
    result.reason === "presence-timeout" ||
    result.reason === "presence-stale"
  ) {
    deps.metrics.count("PresenceError", result.reason);
    // A channel the caller sent is its text: only the configured one is written.
    const logged = request.channel === undefined ? channel : "(given by the caller)";
    const message =
      result.reason === "presence-stale" ? "presence failed: the last real answer served" : "presence check failed";
    deps.log.warn(message, { reason: result.reason, channel: logged });
  }
  if (chatId !== undefined) {
    await deps.store.recordPresence(
      chatId,
      { agentStatus: result.agentStatus, reason: result.reason, at: now.toISOString() },
      request.referrer ?? request.url,
      now,
    );
  }
  deps.log.info("availability answered", { agentStatus: result.agentStatus, reason: result.reason });
  return result;
}
