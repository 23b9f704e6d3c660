/**
 * The one DynamoDB table and what each store may put in it. Chats are items keyed by their chat id;
 * the shared presence answers (docs/presence.md) live beside them under keys no chat id can take
 * (chat ids never contain `#`). Every item expires through the TTL attribute (epoch seconds). The
 * table's physical name is the setting `TABLE_NAME`: the stack (stacks/Database.ts) supplies it to
 * the functions, the local runner creates it in DynamoDB Local.
 */
export const CHAT_TABLE = { partitionKey: "chatId", ttlAttribute: "expiresAt" } as const;

/** The key prefix of presence items: a key with it is never a chat. */
export const PRESENCE_KEY_PREFIX = "presence#";

/** A chat item's key: the chat id under the partition key (a type, so the chat store's bundle carries nothing extra). */
export type ChatKey = Record<(typeof CHAT_TABLE)["partitionKey"], string>;
