import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";

/** The cold-import yardstick: only the DynamoDB DocumentClient, created at module scope as the handlers do. */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { chatId: string }) =>
  (await client.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { chatId: event.chatId } }))).Item;
