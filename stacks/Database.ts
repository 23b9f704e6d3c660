import { CHAT_TABLE } from "@caic-handover/core/chat-store-dynamodb";
import { type StackContext, Table } from "sst/constructs";

/** The chats table, in its own stack so the API stack can be replaced without touching data. */
export function Database({ stack }: StackContext) {
  // SST's Table defaults are on-demand billing (PAY_PER_REQUEST) and point-in-time recovery; the stack test pins both.
  const chats = new Table(stack, "Chats", {
    fields: { [CHAT_TABLE.partitionKey]: "string" },
    primaryIndex: { partitionKey: CHAT_TABLE.partitionKey },
    timeToLiveAttribute: CHAT_TABLE.ttlAttribute,
  });
  return { chats };
}
