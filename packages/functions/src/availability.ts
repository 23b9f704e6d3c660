import { checkAvailability } from "@caic-handover/core/availability/availability";
import { AvailabilityRequestSchema } from "@caic-handover/core/availability/availability-request";
import { BusinessHoursSchedule } from "@caic-handover/core/availability/business-hours";
import { PresenceClient } from "@caic-handover/core/availability/presence";
import { DynamoDbPresenceStore } from "@caic-handover/core/dynamodb/presence-store-dynamodb";
import { CultureRequestSchema, requestedCulture } from "@caic-handover/core/language/culture";
import { parseInput } from "@caic-handover/core/shared/input";
import { httpRoute, wantsText } from "./http";
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
  async ({ caller, chatId: given, fields, accept }) => {
    // The presence webhook's key may reach a browser: its calls answer presence and record nothing on a chat.
    const chatId = caller === "presence" ? undefined : given;
    const request = parseInput(AvailabilityRequestSchema, fields);
    const culture = requestedCulture(parseInput(CultureRequestSchema, fields), config.DEFAULT_CULTURE);
    const answer = await checkAvailability(deps, chatId, request, culture);
    return wantsText(accept) ? { text: answer.agentStatus } : { json: answer };
  },
);
