import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { STAND_IN_CREDENTIALS } from "./ssm-stand-in";

export interface AwsStandInRequest {
  service: string;
  /** SNS `Action` or the JSON protocol's `x-amz-target`. */
  action: string | undefined;
  body: string;
  /** Why the signature was refused; undefined when valid. */
  refused: string | undefined;
}

/**
 * A loopback stand-in for the two AWS APIs `npm run check` and `npm run chat` read besides SSM:
 * SNS ListSubscriptionsByTopic (query protocol, XML answer) and CloudWatch Logs DescribeLogGroups
 * (JSON). Each answers only requests whose SigV4 signature, re-made with the stand-in's copy of the
 * credentials for that service and region, matches; everything received is kept for the test.
 */
export class AwsStandIn {
  readonly requests: AwsStandInRequest[] = [];
  /** Topic ARN → its subscriptions. */
  topics = new Map<string, { protocol: string; endpoint: string; confirmed: boolean }[]>();
  logGroups: string[] = [];
  #server: Server | undefined;

  constructor(
    readonly service: "sns" | "logs",
    readonly region = "eu-west-1",
  ) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#answer(req).then(
        ({ status, type, body }) => res.writeHead(status, { "content-type": type }).end(body),
        () => res.writeHead(500).end(),
      );
    });
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    return `http://127.0.0.1:${(this.#server.address() as { port: number }).port}/`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    this.#server?.close();
  }

  async #answer(req: IncomingMessage): Promise<{ status: number; type: string; body: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const refused = await this.#verify(req, body);
    const action =
      this.service === "sns"
        ? (new URLSearchParams(body).get("Action") ?? undefined)
        : (req.headers["x-amz-target"] as string | undefined);
    this.requests.push({ service: this.service, action, body, refused });
    if (refused !== undefined) {
      return {
        status: 403,
        type: "text/plain",
        body: `<ErrorResponse><Error><Message>${refused}</Message></Error></ErrorResponse>`,
      };
    }
    if (this.service === "sns") {
      const params = new URLSearchParams(body);
      const topic = this.topics.get(params.get("TopicArn") ?? "");
      if (action !== "ListSubscriptionsByTopic" || topic === undefined) {
        return {
          status: 404,
          type: "text/xml",
          body: "<ErrorResponse><Error><Message>Topic does not exist</Message></Error></ErrorResponse>",
        };
      }
      const members = topic
        .map(
          (s, i) =>
            `<member><Protocol>${s.protocol}</Protocol><Endpoint>${s.endpoint}</Endpoint><SubscriptionArn>${s.confirmed ? `${params.get("TopicArn")}:sub-${i}` : "PendingConfirmation"}</SubscriptionArn><TopicArn>${params.get("TopicArn")}</TopicArn></member>`,
        )
        .join("");
      return {
        status: 200,
        type: "text/xml",
        body: `<ListSubscriptionsByTopicResponse><ListSubscriptionsByTopicResult><Subscriptions>${members}</Subscriptions></ListSubscriptionsByTopicResult></ListSubscriptionsByTopicResponse>`,
      };
    }
    if (action !== "Logs_20140328.DescribeLogGroups")
      return { status: 400, type: "application/x-amz-json-1.1", body: "{}" };
    const prefix = (JSON.parse(body) as { logGroupNamePrefix?: string }).logGroupNamePrefix ?? "";
    return {
      status: 200,
      type: "application/x-amz-json-1.1",
      body: JSON.stringify({
        logGroups: this.logGroups.filter((name) => name.startsWith(prefix)).map((logGroupName) => ({ logGroupName })),
      }),
    };
  }

  async #verify(req: IncomingMessage, body: string): Promise<string | undefined> {
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        req.headers.authorization ?? "",
      );
    if (!match) return "no SigV4 authorization header";
    const [, accessKeyId, , region, service, signedHeaders, signature] = match;
    if (accessKeyId !== STAND_IN_CREDENTIALS.accessKeyId) return "unknown access key";
    if (region !== this.region || service !== this.service) return `wrong credential scope ${region}/${service}`;
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    const at = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!at) return "x-amz-date missing";
    const signingDate = new Date(Date.UTC(+at[1]!, +at[2]! - 1, +at[3]!, +at[4]!, +at[5]!, +at[6]!));
    const declared = req.headers["x-amz-content-sha256"];
    if (declared !== undefined && declared !== createHash("sha256").update(body).digest("hex")) return "body hash";
    const names = signedHeaders!.split(";");
    const headers = Object.fromEntries(names.map((name) => [name, String(req.headers[name] ?? "")]));
    const [hostname, port] = String(req.headers.host).split(":");
    const signer = new SignatureV4({
      credentials: STAND_IN_CREDENTIALS,
      region: region!,
      service: service!,
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
    return /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] === signature
      ? undefined
      : "signature does not match";
  }
}
