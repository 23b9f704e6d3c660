import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { STAND_IN_CREDENTIALS } from "./ssm-stand-in";

/** One AWS call `sst build` made before synthesis, as the stand-in received it. */
export interface BuildCall {
  /** The service the request was signed for (SigV4 credential scope). */
  service: string;
  action: string;
  /** DescribeStacks' StackName; GetParameters' Names. */
  detail: string[];
  /** Why the stand-in refused the request; undefined when it was accepted. */
  refused: string | undefined;
}

export const STAND_IN_ACCOUNT = "123456789012";

/**
 * One loopback endpoint standing in for the AWS calls `sst build|deploy` makes before it synthesises:
 * STS `GetCallerIdentity` (credentials), CloudFormation `DescribeStacks` for the CDK and SST bootstrap
 * stacks, and SSM `GetParameters` (the stage's secrets check). Point `AWS_ENDPOINT_URL_STS`,
 * `AWS_ENDPOINT_URL_CLOUDFORMATION` and `AWS_ENDPOINT_URL_SSM` at it. Each request must carry a SigV4
 * header for the stand-in's access key, the expected region and the service the action belongs to,
 * and the session token; anything else is refused with 403 and recorded. Anything it does not know
 * is answered 400, so a new call the CLI makes shows up as a failed build, not a silent pass.
 */
export class AwsBuildStandIn {
  readonly calls: BuildCall[] = [];
  #server: Server | undefined;

  constructor(
    /** SSM parameter name → value, as `sst secrets set` stores them. */
    readonly parameters: Map<string, string>,
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
    return `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    this.#server?.close();
  }

  async #answer(req: IncomingMessage): Promise<{ status: number; type: string; body: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const target = req.headers["x-amz-target"] as string | undefined;
    const form = new URLSearchParams(target ? "" : body);
    const action = target?.split(".").at(-1) ?? form.get("Action") ?? "";
    const service = target?.startsWith("AmazonSSM.")
      ? "ssm"
      : action === "GetCallerIdentity"
        ? "sts"
        : "cloudformation";
    const json = target ? (JSON.parse(body || "{}") as { Names?: string[] }) : {};
    const detail = action === "DescribeStacks" ? [form.get("StackName") ?? ""] : (json.Names ?? []);
    const refused = this.#refusal(req, service);
    this.calls.push({ service, action, detail, refused });
    const xml = (inner: string) => ({
      status: 200,
      type: "text/xml",
      body: `<${action}Response xmlns="https://${service}.amazonaws.com/doc/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>stand-in</RequestId></ResponseMetadata></${action}Response>`,
    });
    if (refused) {
      return {
        status: 403,
        type: target ? "application/x-amz-json-1.1" : "text/xml",
        body: target
          ? JSON.stringify({ __type: "UnrecognizedClientException", message: refused })
          : `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>${refused}</Message></Error></ErrorResponse>`,
      };
    }
    if (action === "GetCallerIdentity") {
      return xml(
        `<Arn>arn:aws:iam::${STAND_IN_ACCOUNT}:user/deployer</Arn><UserId>AIDASTANDIN</UserId><Account>${STAND_IN_ACCOUNT}</Account>`,
      );
    }
    if (action === "DescribeStacks") {
      const outputs =
        detail[0] === "CDKToolkit"
          ? { BootstrapVersion: "28", BucketName: `cdk-assets-${STAND_IN_ACCOUNT}` }
          : detail[0] === "SSTBootstrap"
            ? { Version: "7.4", BucketName: `sstbootstrap-${STAND_IN_ACCOUNT}` }
            : undefined;
      if (!outputs) {
        return {
          status: 400,
          type: "text/xml",
          body: `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${detail[0]} does not exist</Message></Error></ErrorResponse>`,
        };
      }
      const members = Object.entries(outputs)
        .map(([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`)
        .join("");
      return xml(
        `<Stacks><member><StackName>${detail[0]}</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2024-01-01T00:00:00Z</CreationTime><Outputs>${members}</Outputs></member></Stacks>`,
      );
    }
    if (action === "GetParameters") {
      // SSM's own limit: at most 10 names per call.
      if (detail.length > 10) {
        return {
          status: 400,
          type: "application/x-amz-json-1.1",
          body: JSON.stringify({ __type: "ValidationException", message: "at most 10 names per GetParameters" }),
        };
      }
      return {
        status: 200,
        type: "application/x-amz-json-1.1",
        body: JSON.stringify({
          Parameters: detail
            .filter((name) => this.parameters.has(name))
            .map((Name) => ({ Name, Value: this.parameters.get(Name), Type: "SecureString" })),
          InvalidParameters: detail.filter((name) => !this.parameters.has(name)),
        }),
      };
    }
    return {
      status: 400,
      type: "text/xml",
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>stand-in does not answer ${action}</Message></Error></ErrorResponse>`,
    };
  }

  #refusal(req: IncomingMessage, service: string): string | undefined {
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(
        req.headers.authorization ?? "",
      );
    if (!match) return "no SigV4 authorization header";
    const [, accessKeyId, region, scope] = match;
    if (accessKeyId !== STAND_IN_CREDENTIALS.accessKeyId) return "unknown access key";
    if (region !== this.region) return `signed for region ${region}, not ${this.region}`;
    if (scope !== service) return `signed for ${scope}, sent to ${service}`;
    if (req.headers["x-amz-security-token"] !== STAND_IN_CREDENTIALS.sessionToken) return "wrong session token";
    return undefined;
  }
}
