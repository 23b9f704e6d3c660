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

/** How far a request's signing time may be from the stand-in's clock, as AWS allows. */
const MAX_SKEW_MS = 5 * 60_000;

export type SsmBehaviour = "serve" | { status: number } | "hang";

export interface SsmRequest {
  target: string | undefined;
  names: string[];
  withDecryption: boolean;
  /** Why the stand-in refused the signature; undefined when it was valid. */
  refused: string | undefined;
}

/**
 * A loopback SSM that answers `GetParameters` only to requests whose SigV4 signature the AWS SDK's own
 * signer reproduces from the stand-in's copy of the credentials: wrong key, wrong scope, tampered body
 * or a signing time more than 5 minutes off are refused with 400/403, as SSM does.
 */
export class SsmStandIn {
  readonly requests: SsmRequest[] = [];
  behaviour: SsmBehaviour = "serve";
  #server: Server | undefined;
  #hanging = new Set<IncomingMessage>();

  constructor(
    /** Parameter name → value, as `sst secrets set` stores them. */
    readonly parameters: Map<string, string>,
    readonly region = "eu-west-1",
  ) {}

  get refusedSignatures(): number {
    return this.requests.filter((request) => request.refused !== undefined).length;
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      void this.#answer(req).then(
        (answer) => {
          if (answer === "hang") {
            this.#hanging.add(req);
            return;
          }
          res
            .writeHead(answer.status, { "content-type": "application/x-amz-json-1.1" })
            .end(JSON.stringify(answer.body));
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

  async #answer(req: IncomingMessage): Promise<{ status: number; body: object } | "hang"> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let parsed: { Names?: string[]; WithDecryption?: boolean } = {};
    try {
      parsed = JSON.parse(body);
    } catch {
      // An unparsable body still gets its signature checked first, as AWS does.
    }
    const refused = await this.#verify(req, body);
    this.requests.push({
      target: req.headers["x-amz-target"] as string | undefined,
      names: parsed.Names ?? [],
      withDecryption: parsed.WithDecryption === true,
      refused,
    });
    if (refused !== undefined) {
      const type = refused.startsWith("signature expired")
        ? "InvalidSignatureException"
        : "UnrecognizedClientException";
      return { status: refused.startsWith("signature expired") ? 400 : 403, body: { __type: type, message: refused } };
    }
    if (this.behaviour === "hang") return "hang";
    if (this.behaviour !== "serve") {
      return { status: this.behaviour.status, body: { __type: "InternalServerError", message: "stand-in fault" } };
    }
    if (req.headers["x-amz-target"] !== "AmazonSSM.GetParameters" || !Array.isArray(parsed.Names)) {
      return { status: 400, body: { __type: "ValidationException", message: "GetParameters only" } };
    }
    const names = parsed.Names;
    // SSM's own limit: at most 10 names per call.
    if (names.length > 10) {
      return { status: 400, body: { __type: "ValidationException", message: "at most 10 names per GetParameters" } };
    }
    return {
      status: 200,
      body: {
        Parameters: names
          .filter((name) => this.parameters.has(name))
          .map((Name) => ({ Name, Value: this.parameters.get(Name), Type: "SecureString" })),
        InvalidParameters: names.filter((name) => !this.parameters.has(name)),
      },
    };
  }

  /** Re-signs the request's signed headers with the SDK's signer at the request's own signing time. */
  async #verify(req: IncomingMessage, body: string): Promise<string | undefined> {
    const authorization = req.headers.authorization ?? "";
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        authorization,
      );
    if (!match) return "no SigV4 authorization header";
    const [, accessKeyId, day, region, service, signedHeaders, signature] = match;
    if (accessKeyId !== STAND_IN_CREDENTIALS.accessKeyId) return "unknown access key";
    if (region !== this.region || service !== "ssm") return `wrong credential scope ${region}/${service}`;
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    const at = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!at) return "x-amz-date missing";
    const signingDate = new Date(Date.UTC(+at[1]!, +at[2]! - 1, +at[3]!, +at[4]!, +at[5]!, +at[6]!));
    if (Math.abs(Date.now() - signingDate.getTime()) > MAX_SKEW_MS) return `signature expired (signed at ${amzDate})`;
    if (amzDate.slice(0, 8) !== day) return "x-amz-date outside the credential scope";
    const names = signedHeaders!.split(";");
    for (const required of ["host", "x-amz-date", "x-amz-target"]) {
      if (!names.includes(required)) return `${required} is not signed`;
    }
    if (req.headers["x-amz-security-token"] !== STAND_IN_CREDENTIALS.sessionToken) return "wrong session token";
    const bodyHash = createHash("sha256").update(body).digest("hex");
    const declaredHash = req.headers["x-amz-content-sha256"];
    if (declaredHash !== undefined && declaredHash !== bodyHash) return "x-amz-content-sha256 is not the body's hash";
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
    const got = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
    return got === signature ? undefined : "signature does not match";
  }
}
