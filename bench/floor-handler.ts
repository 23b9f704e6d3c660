import { createHmac, randomUUID } from "node:crypto";
import { DynamoDbChatStore } from "@caic-handover/core/dynamodb/chat-store-dynamodb";
import { DynamoDbPresenceStore } from "@caic-handover/core/dynamodb/presence-store-dynamodb";
import { handoverMutation } from "@caic-handover/core/router/routing";
import { type FunctionName, optionalSecrets, requiredSecrets } from "@caic-handover/functions/routes";
import { fetchBoundSecrets } from "@caic-handover/functions/secrets";
import { dynamoDbClient } from "@caic-handover/functions/wiring";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * The floor: one Lambda handler for every route that makes only the I/O the real function makes —
 * the same secrets fetch at import, the same DynamoDB calls through the product's own adapters (with
 * the client of `packages/functions/src/wiring.ts`) and the same CM calls — and nothing
 * else: no config schema, no validation, no logs, no metrics. Availability always takes the path of
 * a (channel, referrer) no instance has asked about: claim, presence, store, record.
 *
 * Behind the local gateway it is the yardstick of the warm overhead; bundled like a function
 * (`BENCH_FLOOR_FUNCTION` names which one's secrets it fetches), of the cold chain.
 */
const fn = (process.env.BENCH_FLOOR_FUNCTION ?? "availability") as FunctionName;
const env: Record<string, string | undefined> = {
  ...process.env,
  ...(await fetchBoundSecrets(process.env, requiredSecrets(fn), optionalSecrets(fn))),
};
const client = dynamoDbClient({ DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT });
const tableName = env.TABLE_NAME!;
const store = new DynamoDbChatStore({ client, tableName, ttlHours: 24 });
const presence = new DynamoDbPresenceStore({ client, tableName });
const adapters = {
  client: env.ROUTER_CLIENT_ADAPTER_ID!,
  bot: env.ROUTER_BOT_ADAPTER_ID!,
  agent: env.ROUTER_AGENT_ADAPTER_ID!,
};

const reply = (body: object): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function upstream(url: string | URL, init: RequestInit) {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
}

async function availability(chatId: string, referrer: string) {
  const key = `WebChat#${createHmac("sha256", env.MSC_PRESENCE_API_KEY!).update(referrer).digest("base64url")}`;
  const now = Date.now();
  const claim = await presence.claim(key, { now, freshMs: 10_000, leaseMs: 3000, keepMs: 120_000 });
  if (!claim.claimed) throw new Error("floor: presence lease not taken");
  const url = new URL(env.PRESENCE_API_URL!);
  url.searchParams.set("apikey", env.MSC_PRESENCE_API_KEY!);
  url.searchParams.set("Channel", "WebChat");
  url.searchParams.set("referrer", referrer);
  await upstream(url, { headers: { accept: "text/plain" }, signal: AbortSignal.timeout(2000) });
  await presence.storeAnswer(key, true, Date.now(), 120_000);
  const at = new Date();
  await store.recordPresence(chatId, { agentStatus: "online", reason: "presence", at: at.toISOString() }, referrer, at);
  return reply({ agentStatus: "online", agentAvailable: true, reason: "presence" });
}

async function handover(chatId: string) {
  const claimId = randomUUID();
  const claim = await store.claimHandover(
    chatId,
    { claimId, leaseSeconds: 12, required: ["email", "name"] },
    new Date(),
  );
  if (claim.outcome !== "claimed") throw new Error(`floor: handover claim ${claim.outcome}`);
  const { email, name, referrer } = claim.record;
  await upstream(
    `${env.ROUTING_API_URL}/conversational/control/v1/accounts/${env.CM_TECHNICAL_LINK_ID}/chats/${chatId}/routing/mutationrequests`,
    {
      method: "POST",
      headers: { "X-CM-PRODUCTTOKEN": env.CM_PRODUCT_TOKEN!, "Content-Type": "application/json" },
      body: JSON.stringify(handoverMutation(chatId, adapters, { name: name!, email: email!, referrer })),
      signal: AbortSignal.timeout(3000),
    },
  );
  await store.settleHandover(chatId, claimId, { ok: true }, new Date());
  return reply({ handover: "requested" });
}

async function notification(raw: string) {
  const chatId = /"chatId"\s*:\s*"([^"]+)"/.exec(raw)?.[1] ?? "";
  await store.confirmHandover(chatId, new Date());
  await upstream(env.WEB_CONVERSATIONS_HANDOVER_URL!, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw,
    signal: AbortSignal.timeout(3000),
  });
  return reply({ ok: true });
}

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const raw = event.body ?? "";
  const body = raw.startsWith("{") && event.routeKey !== "POST /router/handover" ? JSON.parse(raw) : {};
  const query = event.queryStringParameters ?? {};
  const chatId: string = body.chatId ?? query.chatId;
  switch (event.routeKey) {
    case "POST /caic/events":
      await store.startIntake(chatId, new Date());
      return reply({ chatId, status: "started" });
    case "GET /availability":
      return availability(chatId, query.referrer!);
    case "POST /intake/email":
    case "POST /intake/name": {
      const field = event.routeKey === "POST /intake/email" ? "email" : "name";
      const record = await store.recordValue(chatId, field, body.value, new Date());
      const missing = (["email", "name"] as const).filter((f) => record[f] === undefined);
      return reply({ valid: true, field, value: body.value, complete: missing.length === 0, missing });
    }
    case "POST /handover":
      return handover(chatId);
    case "POST /router/handover":
      return notification(raw);
    default:
      return { statusCode: 404, body: "{}" };
  }
}
