import { PresenceClient } from "@caic-handover/core/presence";
import { describe, expect, it } from "vitest";

/** A presence API whose answers are scripted and whose calls are counted. */
function presence(respond: (url: URL) => Response | Promise<Response>, cacheSeconds = 10) {
  let now = 1_000_000;
  const urls: URL[] = [];
  const client = new PresenceClient({
    apiUrl: "https://presence.test/api/v1",
    apiKey: "k&y",
    cacheSeconds,
    timeoutMs: 100,
    clock: () => now,
    fetch: (async (url: URL) => {
      urls.push(url);
      return respond(url);
    }) as typeof fetch,
  });
  return { client, urls, advance: (ms: number) => (now += ms) };
}

const text = (body: string, status = 200) => new Response(body, { status, headers: { "content-type": "text/plain" } });

describe("presence client", () => {
  it("asks with apikey, Channel and referrer, and reads the plain-text answer loosely", async () => {
    const { client, urls } = presence(() => text("  online\n"));
    expect(await client.check("WebChat", "https://shop/x?y=1")).toEqual({
      agentStatus: "online",
      agentAvailable: true,
      reason: "presence",
    });
    expect(urls[0]!.searchParams.get("apikey")).toBe("k&y");
    expect(urls[0]!.searchParams.get("Channel")).toBe("WebChat");
    expect(urls[0]!.searchParams.get("referrer")).toBe("https://shop/x?y=1");
  });

  it("shares one call between concurrent requests and reuses it for the cache period, per channel and referrer", async () => {
    const { client, urls, advance } = presence(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return text("Offline");
    });
    const answers = await Promise.all(Array.from({ length: 50 }, () => client.check("WebChat", "a")));
    expect(new Set(answers.map((a) => a.agentStatus))).toEqual(new Set(["offline"]));
    expect(urls).toHaveLength(1);
    advance(9_000);
    await client.check("WebChat", "a");
    expect(urls).toHaveLength(1);
    await client.check("WebChat", "b");
    await client.check("Email", "a");
    expect(urls).toHaveLength(3);
    advance(1_001);
    await client.check("WebChat", "a");
    expect(urls).toHaveLength(4);
    expect(client.calls).toBe(4);
  });

  it.each([
    ["a 500", () => text("Online", 500), "presence-error"],
    ["a 404 (wrong api key)", () => text("Not Found", 404), "presence-error"],
    ["an unexpected body", () => text('{"status":"Online"}'), "presence-error"],
    ["a network error", () => Promise.reject(new TypeError("fetch failed")), "presence-error"],
  ])("answers offline on %s and asks again next time", async (_label, respond, reason) => {
    let broken = true;
    const { client, urls } = presence(() => (broken ? respond() : text("Online")));
    expect(await client.check("WebChat", undefined)).toEqual({ agentStatus: "offline", agentAvailable: false, reason });
    broken = false;
    expect((await client.check("WebChat", undefined)).agentStatus).toBe("online");
    expect(urls).toHaveLength(2);
  });

  it("answers presence-timeout when presence does not answer in time", async () => {
    const client = new PresenceClient({
      apiUrl: "https://presence.test/api/v1",
      apiKey: "k",
      cacheSeconds: 10,
      timeoutMs: 50,
      fetch: ((_url: URL, init: RequestInit) =>
        new Promise((_resolve, reject) =>
          init.signal!.addEventListener("abort", () => reject(init.signal!.reason)),
        )) as typeof fetch,
    });
    expect(await client.check("WebChat", undefined)).toMatchObject({
      agentStatus: "offline",
      reason: "presence-timeout",
    });
  });

  it("keeps a bounded number of answers, still serving recent ones from the cache", async () => {
    const { client, urls } = presence(() => text("Online"));
    for (let i = 0; i < 600; i++) await client.check("WebChat", `shop-${i}`);
    expect(urls).toHaveLength(600);
    await client.check("WebChat", "shop-599");
    expect(urls).toHaveLength(600);
    await client.check("WebChat", "shop-0");
    expect(urls).toHaveLength(601);
  });

  it("with a cache of 0 s asks every time", async () => {
    const { client, urls } = presence(() => text("Online"), 0);
    await client.check("WebChat", undefined);
    await client.check("WebChat", undefined);
    expect(urls).toHaveLength(2);
  });
});
