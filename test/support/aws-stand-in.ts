import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";

/** Role credentials the stand-in knows; a Lambda function gets the same three variables. */
export const STAND_IN_CREDENTIALS = {
  accessKeyId: "ASIASTANDINEXAMPLE01",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSTANDINKEY",
  sessionToken: "stand-in-session-token",
};

/** The account STS says the stand-in's credentials belong to. */
export const STAND_IN_ACCOUNT = "123456789012";

/** How far a request's signing time may be from the stand-in's clock, as AWS allows. */
const MAX_SKEW_MS = 5 * 60_000;

/** How the stand-in answers a correctly signed call: as AWS would, with an error status, or never. */
export type AwsBehaviour = "serve" | { status: number } | "hang";

/** One call as the stand-in received it. */
export interface AwsRequest {
  /** The service the action belongs to (the one the SigV4 credential scope must name). */
  service: "ssm" | "sns" | "logs" | "sts" | "cloudformation" | "unknown";
  /** The action: `GetParameters`, `ListSubscriptionsByTopic`, `DescribeLogGroups`, `GetCallerIdentity`, `DescribeStacks`… */
  action: string;
  /** The JSON protocol's `x-amz-target` (`AmazonSSM.GetParameters`); undefined for the query protocol. */
  target: string | undefined;
  /** What the call names: GetParameters' `Names`, DescribeStacks' `StackName`. */
  names: string[];
  /** GetParameters' `WithDecryption`. */
  withDecryption: boolean;
  body: string;
  /** Why the stand-in refused the signature; undefined when it was valid. */
  refused: string | undefined;
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

const JSON_TYPE = "application/x-amz-json-1.1";
const SERVICE_OF_TARGET: Record<string, AwsRequest["service"]> = { AmazonSSM: "ssm", Logs_20140328: "logs" };
const SERVICE_OF_ACTION: Record<string, AwsRequest["service"]> = {
  ListSubscriptionsByTopic: "sns",
  GetCallerIdentity: "sts",
  DescribeStacks: "cloudformation",
};

/**
 * One loopback endpoint standing in for the AWS APIs the project calls outside Lambda's own runtime:
 * SSM `GetParameters` (the functions' secrets, the deploy's secrets check, `npm run check`), SNS
 * `ListSubscriptionsByTopic` and CloudWatch Logs `DescribeLogGroups` (`npm run check`, `npm run chat`),
 * STS `GetCallerIdentity` and CloudFormation `DescribeStacks` for the CDK and SST bootstrap stacks
 * (`sst build|deploy` before it synthesises). Point `AWS_ENDPOINT_URL_<SERVICE>` at it.
 *
 * It checks what it receives the way AWS would and records every call: a SigV4 header for the stand-in's
 * access key, scoped to its region, the day of `x-amz-date` and the service the action belongs to;
 * `host`, `x-amz-date` (and `x-amz-target` for JSON calls) signed; a signing time at most 5 minutes off
 * (400, as a replay is); the session token; a declared body hash that is the body's; and a signature the
 * AWS SDK's own signer reproduces from the stand-in's copy of the credentials. Anything else is refused
 * with 403. At most 10 names per GetParameters, as SSM allows. A call it does not know is answered 400,
 * so a new call shows up as a failure, not a silent pass.
 */
export class AwsStandIn {
  readonly requests: AwsRequest[] = [];
  /** How correctly signed calls are answered (faults for the SSM client's tests). */
  behaviour: AwsBehaviour = "serve";
  /** SSM parameter name → value, as `sst secrets set` stores them. */
  readonly parameters: Map<string, string>;
  /** SNS topic ARN → its subscriptions. */
  topics = new Map<string, { protocol: string; endpoint: string; confirmed: boolean }[]>();
  /** CloudWatch Logs group names. */
  logGroups: string[] = [];
  readonly region: string;
  #server: Server | undefined;
  #hanging = new Set<IncomingMessage>();

  constructor(options: { parameters?: Map<string, string>; region?: string } = {}) {
    this.parameters = options.parameters ?? new Map();
    this.region = options.region ?? "eu-west-1";
  }

  get refusedSignatures(): number {
    return this.requests.filter((request) => request.refused !== undefined).length;
  }

  /** The endpoint's URL, with a trailing slash. */
  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#answer(req).then(
        (answer) => {
          if (answer === "hang") {
            this.#hanging.add(req);
            return;
          }
          res.writeHead(answer.status, { "content-type": answer.type }).end(answer.body);
        },
        () => res.writeHead(500).end(),
      );
    });
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    return `http://127.0.0.1:${(this.#server.address() as { port: number }).port}/`;
  }

  async stop(): Promise<void> {
    for (const req of this.#hanging) req.socket.destroy();
    this.#server?.closeAllConnections();
    this.#server?.close();
  }

  async #answer(req: IncomingMessage): Promise<Answer | "hang"> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const target = req.headers["x-amz-target"] as string | undefined;
    const form = new URLSearchParams(target === undefined ? body : "");
    let json: { Names?: unknown; WithDecryption?: boolean; logGroupNamePrefix?: string } = {};
    try {
      if (target !== undefined) json = JSON.parse(body || "{}");
    } catch {
      // An unparsable body still gets its signature checked first, as AWS does.
    }
    const action = target?.split(".").at(-1) ?? form.get("Action") ?? "";
    const service =
      (target === undefined ? SERVICE_OF_ACTION[action] : SERVICE_OF_TARGET[target.split(".")[0]!]) ?? "unknown";
    const names = Array.isArray(json.Names)
      ? json.Names.map(String)
      : action === "DescribeStacks"
        ? [form.get("StackName") ?? ""]
        : [];
    const refused = await this.#verify(req, body, service, target !== undefined);
    this.requests.push({ service, action, target, names, withDecryption: json.WithDecryption === true, body, refused });

    const error = (status: number, code: string, message: string): Answer =>
      target !== undefined
        ? { status, type: JSON_TYPE, body: JSON.stringify({ __type: code, message }) }
        : {
            status,
            type: "text/xml",
            body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`,
          };
    if (refused !== undefined) {
      return refused.startsWith("signature expired")
        ? error(400, "InvalidSignatureException", refused)
        : error(403, target !== undefined ? "UnrecognizedClientException" : "InvalidClientTokenId", refused);
    }
    if (this.behaviour === "hang") return "hang";
    if (this.behaviour !== "serve") return error(this.behaviour.status, "InternalServerError", "stand-in fault");

    const xml = (inner: string): Answer => ({
      status: 200,
      type: "text/xml",
      body: `<${action}Response xmlns="https://${service}.amazonaws.com/doc/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></${action}Response>`,
    });
    if (target === "AmazonSSM.GetParameters") {
      if (!Array.isArray(json.Names)) return error(400, "ValidationException", "GetParameters needs Names");
      // SSM's own limit: at most 10 names per call.
      if (names.length > 10) return error(400, "ValidationException", "at most 10 names per GetParameters");
      return {
        status: 200,
        type: JSON_TYPE,
        body: JSON.stringify({
          Parameters: names
            .filter((name) => this.parameters.has(name))
            .map((Name) => ({ Name, Value: this.parameters.get(Name), Type: "SecureString" })),
          InvalidParameters: names.filter((name) => !this.parameters.has(name)),
        }),
      };
    }
    if (target === "Logs_20140328.DescribeLogGroups") {
      const prefix = json.logGroupNamePrefix ?? "";
      const logGroups = this.logGroups
        .filter((name) => name.startsWith(prefix))
        .map((logGroupName) => ({ logGroupName }));
      return { status: 200, type: JSON_TYPE, body: JSON.stringify({ logGroups }) };
    }
    if (action === "ListSubscriptionsByTopic" && target === undefined) {
      const arn = form.get("TopicArn") ?? "";
      const topic = this.topics.get(arn);
      if (topic === undefined) return error(404, "NotFound", "Topic does not exist");
      const members = topic
        .map(
          (s, i) =>
            `<member><Protocol>${s.protocol}</Protocol><Endpoint>${s.endpoint}</Endpoint><SubscriptionArn>${s.confirmed ? `${arn}:sub-${i}` : "PendingConfirmation"}</SubscriptionArn><TopicArn>${arn}</TopicArn></member>`,
        )
        .join("");
      return xml(`<Subscriptions>${members}</Subscriptions>`);
    }
    if (action === "GetCallerIdentity" && target === undefined) {
      return xml(
        `<Arn>arn:aws:iam::${STAND_IN_ACCOUNT}:user/deployer</Arn><UserId>AIDASTANDIN</UserId><Account>${STAND_IN_ACCOUNT}</Account>`,
      );
    }
    if (action === "DescribeStacks" && target === undefined) {
      const outputs =
        names[0] === "CDKToolkit"
          ? { BootstrapVersion: "28", BucketName: `cdk-assets-${STAND_IN_ACCOUNT}` }
          : names[0] === "SSTBootstrap"
            ? { Version: "7.4", BucketName: `sstbootstrap-${STAND_IN_ACCOUNT}` }
            : undefined;
      if (!outputs) return error(400, "ValidationError", `Stack with id ${names[0]} does not exist`);
      const members = Object.entries(outputs)
        .map(([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`)
        .join("");
      return xml(
        `<Stacks><member><StackName>${names[0]}</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2024-01-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs></member></Stacks>`,
      );
    }
    return error(400, "InvalidAction", `stand-in does not answer ${target ?? action}`);
  }

  /** Why AWS would refuse the request, or undefined: re-signs its signed headers at its own signing time. */
  async #verify(
    req: IncomingMessage,
    body: string,
    service: AwsRequest["service"],
    jsonProtocol: boolean,
  ): Promise<string | undefined> {
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        req.headers.authorization ?? "",
      );
    if (!match) return "no SigV4 authorization header";
    const [, accessKeyId, day, region, scope, signedHeaders, signature] = match;
    if (accessKeyId !== STAND_IN_CREDENTIALS.accessKeyId) return "unknown access key";
    if (region !== this.region || scope !== service) return `wrong credential scope ${region}/${scope}`;
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    const at = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!at) return "x-amz-date missing";
    const signingDate = new Date(Date.UTC(+at[1]!, +at[2]! - 1, +at[3]!, +at[4]!, +at[5]!, +at[6]!));
    if (Math.abs(Date.now() - signingDate.getTime()) > MAX_SKEW_MS) return `signature expired (signed at ${amzDate})`;
    if (amzDate.slice(0, 8) !== day) return "x-amz-date outside the credential scope";
    const names = signedHeaders!.split(";");
    for (const required of ["host", "x-amz-date", ...(jsonProtocol ? ["x-amz-target"] : [])]) {
      if (!names.includes(required)) return `${required} is not signed`;
    }
    if (req.headers["x-amz-security-token"] !== STAND_IN_CREDENTIALS.sessionToken) return "wrong session token";
    const declaredHash = req.headers["x-amz-content-sha256"];
    if (declaredHash !== undefined && declaredHash !== createHash("sha256").update(body).digest("hex")) {
      return "x-amz-content-sha256 is not the body's hash";
    }
    const headers = Object.fromEntries(names.map((name) => [name, String(req.headers[name] ?? "")]));
    const [hostname, port] = String(req.headers.host).split(":");
    const signer = new SignatureV4({
      credentials: STAND_IN_CREDENTIALS,
      region: region!,
      service: scope!,
      sha256: Sha256,
      applyChecksum: false,
    });
    const expected = await signer.sign(
      {
        method: req.method ?? "POST",
        protocol: "http:",
        hostname: hostname!,
        port: Number(port),
        path: req.url ?? "/",
        query: {},
        headers,
        body,
      },
      { signingDate },
    );
    const got = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
    return got === signature ? undefined : "signature does not match";
  }
}
