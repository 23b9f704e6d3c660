import { presenceWebhookRequest } from "@caic-handover/core/availability/presence-webhook";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../support/seed";

/** The presence webhook's key may be in a browser: what it asks CM about must be bounded by the settings. */
const LISTED = ["https://www.shop.example/", "https://help.shop.example/nl/"];

describe("presenceWebhookRequest", () => {
  it("asks about the listed referrer a page is under, never the page itself", () => {
    expect(presenceWebhookRequest({ url: "https://www.shop.example/cart?id=7" }, LISTED)).toEqual({
      referrer: "https://www.shop.example/",
    });
    expect(presenceWebhookRequest({ referrer: "https://help.shop.example/nl/faq" }, LISTED)).toEqual({
      referrer: "https://help.shop.example/nl/",
    });
  });

  it("asks the configured default (an empty request) for a page under no listed referrer, or with no list", () => {
    expect(presenceWebhookRequest({ url: "https://evil.example/https://www.shop.example/" }, LISTED)).toEqual({});
    expect(presenceWebhookRequest({ url: "https://help.shop.example/en/" }, LISTED)).toEqual({});
    expect(presenceWebhookRequest({ url: "https://www.shop.example/" }, undefined)).toEqual({});
    expect(presenceWebhookRequest({}, LISTED)).toEqual({});
  });

  it("never passes the caller's channel on: the configured one is asked", () => {
    expect(presenceWebhookRequest({ channel: "Flood-1", url: "https://www.shop.example/" }, LISTED)).not.toHaveProperty(
      "channel",
    );
  });

  it("whatever a caller sends, CM is asked about a listed referrer or the default, nothing else (fixed seed)", () => {
    const text = fc.oneof(
      fc.string(),
      fc.webUrl(),
      fc.constantFrom(...LISTED).chain((l) => fc.string().map((s) => l + s)),
    );
    fc.assert(
      fc.property(
        fc.record({
          referrer: fc.option(text, { nil: undefined }),
          url: fc.option(text, { nil: undefined }),
          channel: fc.option(fc.string(), { nil: undefined }),
        }),
        (request) => {
          const asked = presenceWebhookRequest(request, LISTED);
          expect(Object.keys(asked).every((key) => key === "referrer")).toBe(true);
          if (asked.referrer !== undefined) expect(LISTED).toContain(asked.referrer);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
