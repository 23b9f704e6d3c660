import { checkAvailability } from "@caic-handover/core/availability/availability";
import { AvailabilityRequestSchema } from "@caic-handover/core/availability/availability-request";
import { BusinessHoursSchedule } from "@caic-handover/core/availability/business-hours";
import { PresenceClient } from "@caic-handover/core/availability/presence";
import { presenceWebhookRequest } from "@caic-handover/core/availability/presence-webhook";
import { DynamoDbPresenceStore } from "@caic-handover/core/dynamodb/presence-store-dynamodb";
import { CultureRequestSchema, requestedCulture } from "@caic-handover/core/language/culture";
import { parseInput } from "@caic-handover/core/shared/input";
import { httpRoute, wantsText } from "./http/route";
import { createRuntime } from "./runtime";

const runtime = await createRuntime("availability");
const { config } = runtime;
const deps = {
  ...runtime,
  presence: new PresenceClient({
    apiUrl: config.PRESENCE_API_URL,
    apiKey: config.MSC_PRESENCE_API_KEY,
    cacheSeconds: config.PRESENCE_CACHE_SECONDS,
    maxStaleSeconds: config.PRESENCE_MAX_STALE_SECONDS,
    store: new DynamoDbPresenceStore({ client: runtime.dynamodb, tableName: config.TABLE_NAME }),
    log: runtime.log,
  }),
  defaultChannel: config.PRESENCE_CHANNEL,
  defaultReferrer: config.PRESENCE_REFERRER,
  businessHours: config.BUSINESS_HOURS && new BusinessHoursSchedule(config.BUSINESS_HOURS),
};

export const handler = httpRoute(
  { log: runtime.log, keys: config, corsOrigins: config.PRESENCE_WEBHOOK_CORS_ORIGINS, chatId: "optional" },
  // The presence webhook's requests carry no chatId (http/route.ts): they answer presence and record nothing on a
  // chat, and ask CM only about the configured channel and listed referrers.
  async ({ caller, chatId, fields, accept }) => {
    const given = parseInput(AvailabilityRequestSchema, fields);
    const request = caller === "presence" ? presenceWebhookRequest(given, config.PRESENCE_WEBHOOK_REFERRERS) : given;
    const culture = requestedCulture(parseInput(CultureRequestSchema, fields), config.DEFAULT_CULTURE);
    const answer = await checkAvailability(deps, chatId, request, culture);
    return wantsText(accept) ? { text: answer.agentStatus } : { json: answer };
  },
);
