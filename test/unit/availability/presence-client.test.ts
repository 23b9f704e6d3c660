import { PresenceClient } from "@caic-handover/core/availability/presence";
import type { PresenceStore } from "@caic-handover/core/availability/presence-store";
import { describe, expect, it } from "vitest";

/** The table as one instance alone sees it: the lease always free, nothing stored (shared behaviour: test/integration). */
const alone: PresenceStore = {
  claim: async () => ({ claimed: true, leaseId: "lease", previous: {} }),
  read: async () => ({}),
  storeAnswer: async () => {},
  storeFault: async () => {},
};

describe("presence client, per-process cache", () => {
  it("keeps a bounded number of answers, still serving recent ones from memory", async () => {
    const urls: URL[] = [];
    const client = new PresenceClient({
      apiUrl: "https://presence.test/api/v1",
      apiKey: "k",
      cacheSeconds: 10,
      maxStaleSeconds: 60,
      store: alone,
      fetch: (async (url: URL) => {
        urls.push(url);
        return new Response("Online");
      }) as typeof fetch,
    });
    for (let i = 0; i < 600; i++) await client.check("WebChat", `shop-${i}`);
    expect(urls).toHaveLength(600);
    await client.check("WebChat", "shop-599");
    expect(urls).toHaveLength(600);
    await client.check("WebChat", "shop-0");
    expect(urls).toHaveLength(601);
  });
});
