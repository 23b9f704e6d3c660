import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type {
  ClaimTimes,
  PresenceClaim,
  PresenceFault,
  PresenceStore,
  SharedPresence,
} from "../availability/presence-store";
import { StoreUnavailableError } from "../shared/errors";
import { CHAT_TABLE, PRESENCE_KEY_PREFIX } from "./table";

/** Writes after presence answered are best effort: a slow table must not hold the visitor's answer. */
export const SETTLE_TIMEOUT_MS = 1000;

export interface DynamoDbPresenceStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

interface PresenceItem {
  online?: boolean;
  fetchedAt?: number;
  leaseUntil?: number;
  notBefore?: number;
  fault?: PresenceFault;
}

const NAMES = {
  "#online": "online",
  "#fetchedAt": "fetchedAt",
  "#leaseId": "leaseId",
  "#leaseUntil": "leaseUntil",
  "#notBefore": "notBefore",
  "#fault": "fault",
  "#expiresAt": "expiresAt",
};

const shared = (item: PresenceItem | undefined): SharedPresence => {
  const { online, fetchedAt, leaseUntil, notBefore, fault } = item ?? {};
  return {
    ...(online === undefined ? {} : { online }),
    ...(fetchedAt === undefined ? {} : { fetchedAt }),
    ...(leaseUntil === undefined ? {} : { leaseUntil }),
    ...(notBefore === undefined ? {} : { notBefore }),
    ...(fault === undefined ? {} : { fault }),
  };
};

const expiresAt = (now: number, keepMs: number) => Math.ceil((now + keepMs) / 1000);

/** One item per (channel, referrer) in the chats table; every change is one conditional UpdateItem. */
export class DynamoDbPresenceStore implements PresenceStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoDbPresenceStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
  }

  async claim(key: string, { now, freshMs, leaseMs, keepMs }: ClaimTimes): Promise<PresenceClaim> {
    const leaseId = randomUUID();
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: this.#key(key),
          UpdateExpression: "SET #leaseId = :leaseId, #leaseUntil = :leaseUntil, #expiresAt = :expiresAt",
          ConditionExpression:
            "(attribute_not_exists(#fetchedAt) OR #fetchedAt <= :freshAfter)" +
            " AND (attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now)" +
            " AND (attribute_not_exists(#notBefore) OR #notBefore <= :now)",
          ExpressionAttributeNames: {
            "#fetchedAt": NAMES["#fetchedAt"],
            "#leaseId": NAMES["#leaseId"],
            "#leaseUntil": NAMES["#leaseUntil"],
            "#notBefore": NAMES["#notBefore"],
            "#expiresAt": NAMES["#expiresAt"],
          },
          ExpressionAttributeValues: {
            ":leaseId": leaseId,
            ":leaseUntil": now + leaseMs,
            ":expiresAt": expiresAt(now, Math.max(keepMs, leaseMs)),
            ":freshAfter": now - freshMs,
            ":now": now,
          },
          ReturnValues: "ALL_OLD",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { claimed: true, leaseId, previous: shared(Attributes as PresenceItem | undefined) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw unavailable(error);
      return { claimed: false, current: shared(error.Item && (unmarshall(error.Item) as PresenceItem)) };
    }
  }

  async read(key: string, signal?: AbortSignal): Promise<SharedPresence> {
    try {
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#table, Key: this.#key(key), ConsistentRead: true }),
        { abortSignal: signal },
      );
      return shared(Item as PresenceItem | undefined);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async storeAnswer(key: string, online: boolean, now: number, keepMs: number): Promise<void> {
    await this.#settle({
      TableName: this.#table,
      Key: this.#key(key),
      UpdateExpression:
        "SET #online = :online, #fetchedAt = :now, #expiresAt = :expiresAt REMOVE #leaseId, #leaseUntil, #notBefore, #fault",
      ConditionExpression: "attribute_not_exists(#fetchedAt) OR #fetchedAt < :now",
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ":online": online, ":now": now, ":expiresAt": expiresAt(now, keepMs) },
    });
  }

  async storeFault(
    key: string,
    leaseId: string,
    fault: { reason: PresenceFault; notBefore: number | undefined },
    now: number,
    keepMs: number,
  ): Promise<void> {
    const notBefore = fault.notBefore === undefined ? "" : ", #notBefore = :notBefore";
    await this.#settle({
      TableName: this.#table,
      Key: this.#key(key),
      UpdateExpression: `SET #fault = :fault, #expiresAt = :expiresAt${notBefore} REMOVE #leaseId, #leaseUntil`,
      ConditionExpression: "#leaseId = :leaseId",
      ExpressionAttributeNames: {
        "#fault": NAMES["#fault"],
        "#expiresAt": NAMES["#expiresAt"],
        "#leaseId": NAMES["#leaseId"],
        "#leaseUntil": NAMES["#leaseUntil"],
        ...(fault.notBefore === undefined ? {} : { "#notBefore": NAMES["#notBefore"] }),
      },
      ExpressionAttributeValues: {
        ":fault": fault.reason,
        ":expiresAt": expiresAt(now, keepMs),
        ":leaseId": leaseId,
        ...(fault.notBefore === undefined ? {} : { ":notBefore": fault.notBefore }),
      },
    });
  }

  /** A failed condition means a newer answer or another lease is stored: nothing to do. */
  async #settle(input: ConstructorParameters<typeof UpdateCommand>[0]) {
    try {
      await this.#client.send(new UpdateCommand(input), { abortSignal: AbortSignal.timeout(SETTLE_TIMEOUT_MS) });
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw unavailable(error);
    }
  }

  #key(key: string) {
    return { [CHAT_TABLE.partitionKey]: `${PRESENCE_KEY_PREFIX}${key}` };
  }
}

function unavailable(error: unknown): StoreUnavailableError {
  const name = error instanceof Error ? error.name : "UnknownError";
  return new StoreUnavailableError(`presence store unavailable: ${name}`, { cause: error });
}
