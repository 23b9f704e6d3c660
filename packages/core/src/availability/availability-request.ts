import * as z from "zod/mini";
import { optionalText } from "../shared/input";

/** Query (API Callout GET) or body (Web Conversations' presence-check webhook POST). */
export const AvailabilityRequestSchema = z.object({
  referrer: optionalText(2048),
  url: optionalText(2048),
  channel: optionalText(64),
  data: z.optional(z.looseObject({ context: z.optional(z.unknown()) })),
});
export type AvailabilityRequest = z.infer<typeof AvailabilityRequestSchema>;
