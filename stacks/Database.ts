import { CHAT_TABLE } from "@caic-handover/core/dynamodb/table";
import { type StackContext, Table } from "sst/constructs";
import { acceptFrameworkFunctions } from "./nag";
import { deploySettings } from "./settings";

/** The chats table, in its own stack so the API stack can be replaced without touching data. */
export function Database({ stack }: StackContext) {
  // SST's Table defaults to on-demand billing (PAY_PER_REQUEST); the stack test pins it.
  const chats = new Table(stack, "Chats", {
    fields: { [CHAT_TABLE.partitionKey]: "string" },
    primaryIndex: { partitionKey: CHAT_TABLE.partitionKey },
    timeToLiveAttribute: CHAT_TABLE.ttlAttribute,
    cdk: {
      table: {
        // Replaces SST's `pointInTimeRecovery: true` (35 days): backups keep erased data, so only a short window.
        pointInTimeRecovery: undefined,
        pointInTimeRecoverySpecification: {
          pointInTimeRecoveryEnabled: true,
          recoveryPeriodInDays: deploySettings(process.env).recoveryDays,
        },
      },
    },
  });
  acceptFrameworkFunctions(stack);
  return { chats };
}
