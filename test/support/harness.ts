import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { ChatRecord } from "@caic-handover/core/chat/chat";
import { CmSimulator } from "@caic-handover/local/cm-simulator";
import { localKeyForRequest } from "@caic-handover/local/constants";
import { dispatch, type Handlers, loadHandlers } from "@caic-handover/local/dispatch";
import { createChatTable } from "@caic-handover/local/dynamodb-local";
import { handlerEnv, SIMULATED_CM } from "@caic-handover/local/local-defaults";
import { inject } from "vitest";

export {
  ADAPTERS,
  KEY,
  LOCAL_KEYS,
  localKeyFor,
  localKeyForRequest,
  PRESENCE_KEY,
  PRODUCT_TOKEN,
  TECHNICAL_LINK,
} from "@caic-handover/local/constants";

export interface CallOptions {
  query?: Record<string, string>;
  /** An object is sent as JSON, a string as is. */
  body?: object | string;
  headers?: Record<string, string>;
  /** The key to present in the header; `null` sends none. Defaults to the route's caller's key (route table). */
  key?: string | null;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

/**
 * Real parts for integration tests: a fresh table in the shared DynamoDB Local, a simulated CM on
 * loopback, and every handler imported once (one warm process) with its environment pointing at them.
 */
export async function startHarness(env: Record<string, string> = {}) {
  const endpoint = inject("ddbEndpoint");
  const tableName = `chats-${randomUUID().slice(0, 8)}`;
  await createChatTable(endpoint, tableName);
  const cm = await new CmSimulator(SIMULATED_CM).start();
  Object.assign(process.env, {
    ...handlerEnv({
      dynamodbEndpoint: endpoint,
      tableName,
      presenceUrl: cm.presenceUrl,
      routingUrl: cm.routingUrl,
      webConversationsUrl: cm.webConversationsUrl,
    }),
    ...env,
  });
  const handlers: Handlers = await loadHandlers();
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint }));

  async function call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const query = options.query ? `?${new URLSearchParams(options.query)}` : "";
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== null) headers["x-handover-key"] = options.key ?? localKeyForRequest(method, path);
    let body: string | undefined;
    if (typeof options.body === "string") body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] ??= "application/json";
    }
    const result = await dispatch(handlers, { method, url: `${path}${query}`, headers, body });
    const text = result.body ?? "";
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: result.statusCode ?? 200, headers: (result.headers ?? {}) as Record<string, string>, text, json };
  }

  return {
    cm,
    tableName,
    endpoint,
    call,
    /** The stored item, read straight from DynamoDB (expired or not). */
    async item(chatId: string): Promise<ChatRecord | undefined> {
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: { chatId }, ConsistentRead: true }),
      );
      return Item as ChatRecord | undefined;
    },
    async scan(): Promise<ChatRecord[]> {
      const items: ChatRecord[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
        );
        items.push(...((page.Items ?? []) as ChatRecord[]));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async close() {
      documents.destroy();
      await cm.stop();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export const newChatId = () => randomUUID();
