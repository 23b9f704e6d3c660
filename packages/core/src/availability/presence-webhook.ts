import type { AvailabilityRequest } from "./availability-request";

/**
 * What Web Conversations' presence webhook may ask about. Its key may reach a visitor's browser, so
 * whoever holds it must not choose what CM is asked: every new (channel, referrer) costs one call
 * of CM's presence allowance. The channel is always the configured one (`PRESENCE_CHANNEL`); the
 * page it names (`referrer`, else `url`) counts only when it is, or starts with, a referrer listed
 * in `PRESENCE_WEBHOOK_REFERRERS`, and then the listed entry is asked; anything else is asked as
 * the configured default (`PRESENCE_REFERRER`). So the webhook can make CM be asked about at most
 * the listed referrers and the default.
 */
export function presenceWebhookRequest(
  request: AvailabilityRequest,
  listed: readonly string[] | undefined,
): AvailabilityRequest {
  const given = request.referrer ?? request.url;
  const match = given === undefined ? undefined : listed?.find((entry) => given.startsWith(entry));
  return match === undefined ? {} : { referrer: match };
}
