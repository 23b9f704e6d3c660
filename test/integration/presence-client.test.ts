import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { PresenceClient, type PresenceClientOptions } from "@caic-handover/core/availability/presence";
import type { PresenceStore } from "@caic-handover/core/availability/presence-store";
import { DynamoDbPresenceStore } from "@caic-handover/core/dynamodb/presence-store-dynamodb";
import { StoreUnavailableError } from "@caic-handover/core/shared/errors";
import { createChatTable, LOCAL_AWS_ENV } from "@caic-handover/local/dynamodb-local";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

/**
 * The presence client against the real DynamoDB engine: several clients (one per Lambda instance)
 * share one table, presence is a scripted fetch. Clocks run from the real time, shifted by `advance`.
 */
let documents: DynamoDBDocumentClient;
let tableName: string;

const documentClient = (endpoint: string, maxAttempts = 3) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      maxAttempts,
      region: LOCAL_AWS_ENV.AWS_REGION,
      credentials: {
        accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
      },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );

beforeAll(async () => {
  tableName = `presence-${randomUUID().slice(0, 8)}`;
  await createChatTable(inject("ddbEndpoint"), tableName);
  documents = documentClient(inject("ddbEndpoint"));
});
afterAll(() => documents.destroy());

const text = (body: string, status = 200, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "content-type": "text/plain", ...headers } });

type Respond = (url: URL, init: RequestInit) => Response | Promise<Response>;

/**
 * A fleet of `instances` clients, as many Lambda instances of the availability function: one
 * scripted presence API (every call counted), one table, one shifted clock.
 */
function fleet(respond: Respond, options: Partial<PresenceClientOptions> & { instances?: number } = {}) {
  let offset = 0;
  const urls: URL[] = [];
  const { instances = 1, ...overrides } = options;
  const clients = Array.from(
    { length: instances },
    () =>
      new PresenceClient({
        apiUrl: "https://presence.test/api/v1",
        apiKey: "k&y",
        cacheSeconds: 10,
        maxStaleSeconds: 60,
        timeoutMs: 200,
        store: new DynamoDbPresenceStore({ client: documents, tableName }),
        clock: () => Date.now() + offset,
        fetch: (async (url: URL, init: RequestInit) => {
          urls.push(url);
          return respond(url, init);
        }) as typeof fetch,
        ...overrides,
      }),
  );
  return { client: clients[0]!, clients, urls, advance: (ms: number) => (offset += ms) };
}

/** A referrer nobody has asked about: every test starts without a stored answer. */
const fresh = () => `https://shop.example/${randomUUID()}`;
const never = (_url: URL, init: RequestInit) =>
  new Promise<Response>((_resolve, reject) =>
    init.signal!.addEventListener("abort", () => reject(init.signal!.reason)),
  );

describe("presence client, one process", () => {
  it("asks with apikey, Channel and referrer, and reads the plain-text answer loosely", async () => {
    const { client, urls } = fleet(() => text("  online\n"));
    const referrer = `${fresh()}?y=1`;
    expect(await client.check("WebChat", referrer)).toEqual({
      agentStatus: "online",
      agentAvailable: true,
      reason: "presence",
    });
    expect(urls[0]!.searchParams.get("apikey")).toBe("k&y");
    expect(urls[0]!.searchParams.get("Channel")).toBe("WebChat");
    expect(urls[0]!.searchParams.get("referrer")).toBe(referrer);
  });

  it("shares one call between concurrent requests and reuses it for the cache period, per channel and referrer", async () => {
    const { client, urls, advance } = fleet(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return text("Offline");
    });
    const [a, b] = [fresh(), fresh()];
    const answers = await Promise.all(Array.from({ length: 100 }, () => client.check("WebChat", a)));
    expect(new Set(answers.map((answer) => answer.agentStatus))).toEqual(new Set(["offline"]));
    expect(urls).toHaveLength(1);
    advance(9_000);
    await client.check("WebChat", a);
    expect(urls).toHaveLength(1);
    await client.check("WebChat", b);
    await client.check("Email", a);
    expect(urls).toHaveLength(3);
    advance(1_100);
    await client.check("WebChat", a);
    expect(urls).toHaveLength(4);
    expect(client.calls).toBe(4);
  });

  it.each([
    ["a 500", () => text("Online", 500), "presence-error"],
    ["a 404 (wrong api key)", () => text("Not Found", 404), "presence-error"],
    ["an unexpected body", () => text('{"status":"Online"}'), "presence-error"],
    ["a network error", () => Promise.reject(new TypeError("fetch failed")), "presence-error"],
  ])("with no earlier answer, answers offline on %s and asks again next time", async (_label, respond, reason) => {
    let broken = true;
    const { client, urls } = fleet(() => (broken ? respond() : text("Online")));
    const referrer = fresh();
    expect(await client.check("WebChat", referrer)).toEqual({ agentStatus: "offline", agentAvailable: false, reason });
    broken = false;
    expect(await client.check("WebChat", referrer)).toMatchObject({ agentStatus: "online", reason: "presence" });
    expect(urls).toHaveLength(2);
  });

  it("answers presence-timeout when presence does not answer in time and nothing was answered before", async () => {
    const { client } = fleet(never, { timeoutMs: 50 });
    expect(await client.check("WebChat", fresh())).toEqual({
      agentStatus: "offline",
      agentAvailable: false,
      reason: "presence-timeout",
    });
  });

  it("with a cache of 0 s asks every time", async () => {
    const { client, urls } = fleet(() => text("Online"), { cacheSeconds: 0 });
    const referrer = fresh();
    await client.check("WebChat", referrer);
    await client.check("WebChat", referrer);
    expect(urls).toHaveLength(2);
  });
});

describe("presence shared by every instance", () => {
  it("twelve instances asking at once make one presence call; a later instance in the period makes none", async () => {
    const { clients, urls } = fleet(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return text("Online");
      },
      { instances: 13 },
    );
    const referrer = fresh();
    const answers = await Promise.all(clients.slice(0, 12).map((client) => client.check("WebChat", referrer)));
    expect(answers.map((answer) => answer.reason)).toEqual(Array(12).fill("presence"));
    expect(answers.every((answer) => answer.agentStatus === "online")).toBe(true);
    expect(urls).toHaveLength(1);
    expect(await clients[12]!.check("WebChat", referrer)).toMatchObject({ agentStatus: "online", reason: "presence" });
    expect(urls).toHaveLength(1);
  });

  it("after the cache period one instance asks again, and the others take its answer", async () => {
    let status = "Online";
    const { clients, urls, advance } = fleet(() => text(status), { instances: 3 });
    const referrer = fresh();
    await clients[0]!.check("WebChat", referrer);
    advance(10_500);
    status = "Offline";
    const answers = await Promise.all(clients.map((client) => client.check("WebChat", referrer)));
    expect(answers.map((answer) => answer.agentStatus)).toEqual(["offline", "offline", "offline"]);
    expect(urls).toHaveLength(2);
  });

  it.each([
    ["a 429", () => text("Too Many Requests", 429), "presence-error"],
    ["a 503", () => text("<html>down</html>", 503), "presence-error"],
    ["garbage", () => text("<html>maintenance</html>"), "presence-error"],
    ["no answer in time", never, "presence-timeout"],
  ] as [string, Respond, string][])(
    "on %s serves the last real answer while it is young enough, then offline with the reason",
    async (_label, failing, reason) => {
      let broken = false;
      const { clients, urls, advance } = fleet((url, init) => (broken ? failing(url, init) : text("Online")), {
        instances: 2,
        timeoutMs: 100,
      });
      const referrer = fresh();
      expect(await clients[0]!.check("WebChat", referrer)).toMatchObject({ agentStatus: "online", reason: "presence" });
      broken = true;
      advance(30_000);
      // Another instance refreshes: presence fails, the 30 s old answer is served and says so.
      expect(await clients[1]!.check("WebChat", referrer)).toEqual({
        agentStatus: "online",
        agentAvailable: true,
        reason: "presence-stale",
      });
      advance(31_000);
      expect(await clients[0]!.check("WebChat", referrer)).toEqual({
        agentStatus: "offline",
        agentAvailable: false,
        reason,
      });
      expect(urls).toHaveLength(3);
    },
  );

  it("honours Retry-After across instances: nobody asks before it, everybody gets the last answer meanwhile", async () => {
    let limited = false;
    const { clients, urls, advance } = fleet(
      () => (limited ? text("Too Many Requests", 429, { "retry-after": "5" }) : text("Online")),
      { instances: 4 },
    );
    const referrer = fresh();
    await clients[0]!.check("WebChat", referrer);
    limited = true;
    advance(11_000);
    expect(await clients[1]!.check("WebChat", referrer)).toMatchObject({
      agentStatus: "online",
      reason: "presence-stale",
    });
    expect(urls).toHaveLength(2);
    advance(4_000);
    const meanwhile = await Promise.all(clients.map((client) => client.check("WebChat", referrer)));
    expect(meanwhile.map((answer) => answer.reason)).toEqual(Array(4).fill("presence-stale"));
    expect(urls, "no call before Retry-After has passed").toHaveLength(2);
    limited = false;
    advance(1_100);
    expect(await clients[2]!.check("WebChat", referrer)).toMatchObject({ agentStatus: "online", reason: "presence" });
    expect(urls).toHaveLength(3);
  });

  it("a bare 429 holds every instance off for 1 s", async () => {
    let limited = true;
    const { clients, urls, advance } = fleet(() => (limited ? text("", 429) : text("Online")), { instances: 2 });
    const referrer = fresh();
    expect(await clients[0]!.check("WebChat", referrer)).toMatchObject({
      agentStatus: "offline",
      reason: "presence-error",
    });
    limited = false;
    expect(await clients[1]!.check("WebChat", referrer)).toMatchObject({
      agentStatus: "offline",
      reason: "presence-error",
    });
    expect(urls).toHaveLength(1);
    advance(1_100);
    expect(await clients[1]!.check("WebChat", referrer)).toMatchObject({ agentStatus: "online", reason: "presence" });
    expect(urls).toHaveLength(2);
  });

  it("instances waiting for another's call share its failure instead of asking themselves", async () => {
    const { clients, urls } = fleet(never, { instances: 6, timeoutMs: 400 });
    const referrer = fresh();
    const answers = await Promise.all(clients.map((client) => client.check("WebChat", referrer)));
    expect(urls).toHaveLength(1);
    expect(answers.map((answer) => answer.reason)).toEqual(Array(6).fill("presence-timeout"));
  });

  it("when the instance holding the lease vanished, one waiting instance takes over once the lease ends", async () => {
    const store = new DynamoDbPresenceStore({ client: documents, tableName });
    // Takes the lease and asks, but never stores the outcome: a Lambda instance that died mid-call.
    const vanishing: PresenceStore = {
      claim: (key, times) => store.claim(key, times),
      read: (key, signal) => store.read(key, signal),
      storeAnswer: async () => {},
      storeFault: async () => {},
    };
    const others = fleet(() => text("Online"), { instances: 4, timeoutMs: 100 });
    const dying = fleet(() => text("Online"), { store: vanishing, timeoutMs: 100 });
    const referrer = fresh();
    await others.client.check("WebChat", referrer);
    others.advance(20_000);
    dying.advance(20_000);
    await dying.client.check("WebChat", referrer);
    const answers = await Promise.all(others.clients.slice(1).map((client) => client.check("WebChat", referrer)));
    expect(answers.map((answer) => answer.reason)).toEqual(["presence", "presence", "presence"]);
    expect(answers.every((answer) => answer.agentStatus === "online")).toBe(true);
    expect(others.urls, "one of them asked, after the lease ran out").toHaveLength(2);
  });
});

describe("presence with the table unreachable", () => {
  const unreachable = () => {
    const client = documentClient("http://127.0.0.1:1", 1);
    return new DynamoDbPresenceStore({ client, tableName });
  };

  it("asks presence alone when the caller needs no table", async () => {
    const { client, urls } = fleet(() => text("Online"), { store: unreachable() });
    expect(await client.check("WebChat", fresh())).toMatchObject({ agentStatus: "online", reason: "presence" });
    expect(urls).toHaveLength(1);
  });

  it("fails as the table fails when the caller must write to it anyway, without asking presence", async () => {
    const { client, urls } = fleet(() => text("Online"), { store: unreachable() });
    await expect(client.check("WebChat", fresh(), { storeRequired: true })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(urls).toHaveLength(0);
  });
});
