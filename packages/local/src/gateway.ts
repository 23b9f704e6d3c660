import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type HttpInput, type HttpOutput, toHttpResponse } from "./api-event";
import { dispatch, gatewayError, type Handlers } from "./dispatch";

/** API Gateway's payload limit for HTTP APIs. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Served on `GET /__local/info` when given: local-only facts (such as the simulator's URL) for the demo. */
export const LOCAL_INFO_PATH = "/__local/info";

/** What `npm start` tells the demo about itself; not an AWS route. */
export interface LocalInfo {
  simulator: { inspectUrl?: string; presenceControlUrl?: string };
  /** OFFLINE_HANDOVER npm start runs with: the demo shows the path it takes while nobody is online. */
  offlineHandover?: "off" | "message";
  /** ERASE_CM_HISTORY npm start runs with: the demo shows CM's copy erased when it is on. */
  eraseCmHistory?: "off" | "on-erase" | "on-session-end";
}

export interface GatewayOptions {
  handlers: Handlers;
  port?: number;
  host?: string;
  localInfo?: LocalInfo;
  /** Local-only pages (the console) served before the route table; answers true when it served the request. */
  localPages?: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<boolean>;
}

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A loopback API Gateway HTTP API: every request becomes a payload 2.0 event for the route table's
 * function, and its result becomes the HTTP response.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? "127.0.0.1";
  const server = createServer((req, res) => {
    void serve(options, req, res).catch((error) => {
      console.error("gateway: request failed", error);
      res.destroy();
    });
  });
  server.listen(options.port ?? 0, host);
  // Rejects with the listen error (EADDRINUSE) instead of emitting it unhandled.
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

async function serve(options: GatewayOptions, req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  if (body === undefined) return write(res, toHttpResponse(gatewayError(413, "Request Entity Too Large")));
  const method = req.method ?? "GET";
  const url = req.url ?? "/";
  if (options.localInfo && method === "GET" && url === LOCAL_INFO_PATH) {
    return write(res, toHttpResponse(options.localInfo));
  }
  if (options.localPages && (await options.localPages(req, body, res))) return;
  const input: HttpInput = {
    method,
    url,
    headers: req.headersDistinct,
    body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, ""),
  };
  write(res, toHttpResponse(await dispatch(options.handlers, input)));
}

/** The request body, or undefined when it exceeds API Gateway's limit (read to the end so the answer can be sent). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_PAYLOAD_BYTES ? undefined : Buffer.concat(chunks);
}

function write(res: ServerResponse, output: HttpOutput) {
  res.writeHead(output.statusCode, {
    ...output.headers,
    ...(output.cookies.length > 0 ? { "set-cookie": output.cookies } : {}),
    "content-length": output.body.length,
  });
  res.end(output.body);
}
