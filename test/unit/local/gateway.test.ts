import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import { APIGatewayProxyEventV2Schema } from "@aws-lambda-powertools/parser/schemas";
import type { Handler } from "@caic-handover/functions/http/route";
import { FUNCTIONS, type FunctionName } from "@caic-handover/functions/routes";
import { dispatch, type Handlers } from "@caic-handover/local/dispatch";
import { type Gateway, LOCAL_INFO_PATH, startGateway } from "@caic-handover/local/gateway";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const ok = async () => ({ statusCode: 200, body: "" });
/** Every function of the route table answers with whatever the current test wants. */
let behave: (event: APIGatewayProxyEventV2) => Promise<unknown> = ok;
const events: APIGatewayProxyEventV2[] = [];
const fake: Handler = async (event) => {
  events.push(event);
  return (await behave(event)) as Awaited<ReturnType<Handler>>;
};
const handlers: Handlers = new Map((Object.keys(FUNCTIONS) as FunctionName[]).map((name) => [name, fake]));

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({
    handlers,
    localInfo: { simulator: { inspectUrl: "http://127.0.0.1:1/__sim/received" } },
  });
});
afterAll(() => gateway.close());
afterEach(() => {
  events.length = 0;
  behave = ok;
  vi.restoreAllMocks();
  vi.useRealTimers();
});

interface Received {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** `node:http` rather than fetch: fetch would merge repeated request headers itself. */
function send(
  method: string,
  path: string,
  headers: OutgoingHttpHeaders = {},
  body?: Buffer | string,
): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${gateway.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const onlyEvent = () => {
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe("the event a handler receives", () => {
  it("is a valid payload 2.0 event with API Gateway's rules for path, query, headers and cookies", async () => {
    await send("GET", "/chats/chat%2042?x=1&x=2&empty=", {
      "X-Repeated": ["a", "b"],
      "User-Agent": "gateway-test",
      Cookie: ["session=s1; theme=dark", "consent=yes"],
    });
    const event = onlyEvent();
    expect(APIGatewayProxyEventV2Schema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      version: "2.0",
      routeKey: "GET /chats/{chatId}",
      rawPath: "/chats/chat%2042",
      rawQueryString: "x=1&x=2&empty=",
      queryStringParameters: { x: "1,2", empty: "" },
      pathParameters: { chatId: "chat 42" },
      cookies: ["session=s1", "theme=dark", "consent=yes"],
      isBase64Encoded: false,
      requestContext: {
        routeKey: "GET /chats/{chatId}",
        stage: "$default",
        http: {
          method: "GET",
          path: "/chats/chat%2042",
          protocol: "HTTP/1.1",
          sourceIp: "127.0.0.1",
          userAgent: "gateway-test",
        },
      },
    });
    expect(event.headers["x-repeated"]).toBe("a,b");
    expect(event.headers["user-agent"]).toBe("gateway-test");
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.body).toBeUndefined();
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
  });

  it("omits the query and path parameters a request does not have", async () => {
    await send("POST", "/caic/events", { "Content-Type": "application/json" }, '{"chatId":"c-1"}');
    const event = onlyEvent();
    expect(APIGatewayProxyEventV2Schema.safeParse(event).success).toBe(true);
    expect(event.rawQueryString).toBe("");
    expect(event).not.toHaveProperty("queryStringParameters");
    expect(event).not.toHaveProperty("pathParameters");
    expect(event).not.toHaveProperty("cookies");
    expect(event).toMatchObject({ routeKey: "POST /caic/events", body: '{"chatId":"c-1"}', isBase64Encoded: false });
  });

  it("carries text bodies as text and binary bodies base64-encoded", async () => {
    await send(
      "POST",
      "/intake/name",
      { "Content-Type": "application/x-www-form-urlencoded" },
      "chatId=c-1&value=J%C3%BCrgen",
    );
    const binary = Buffer.from([0, 1, 2, 254, 255]);
    await send("POST", "/router/handover", { "Content-Type": "application/octet-stream" }, binary);
    const [form, bytes] = events;
    expect(form).toMatchObject({ body: "chatId=c-1&value=J%C3%BCrgen", isBase64Encoded: false });
    expect(bytes).toMatchObject({ body: binary.toString("base64"), isBase64Encoded: true });
    for (const event of events) expect(APIGatewayProxyEventV2Schema.safeParse(event).success).toBe(true);
  });
});

describe("the response the gateway sends", () => {
  it("has the structured result's status, headers, one Set-Cookie per cookie and a decoded base64 body", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0x10]);
    behave = async () => ({
      statusCode: 201,
      headers: { "X-Thing": "v", "x-count": 5 },
      cookies: ["a=1; Path=/", "b=2; HttpOnly"],
      body: bytes.toString("base64"),
      isBase64Encoded: true,
    });
    const answer = await send("POST", "/handover");
    expect(answer.status).toBe(201);
    expect(answer.headers["x-thing"]).toBe("v");
    expect(answer.headers["x-count"]).toBe("5");
    expect(answer.headers["set-cookie"]).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    expect(answer.body).toEqual(bytes);
  });

  it("turns a plain string or object result into a 200 JSON response, as API Gateway does", async () => {
    behave = async () => "hello";
    const text = await send("GET", "/availability");
    expect(text).toMatchObject({ status: 200, headers: { "content-type": "application/json" } });
    expect(text.body.toString()).toBe("hello");

    behave = async () => ({ message: "hi" });
    const object = await send("GET", "/availability");
    expect(object.status).toBe(200);
    expect(JSON.parse(object.body.toString())).toEqual({ message: "hi" });
  });

  it("answers 404 for a path or method outside the route table, without calling a handler", async () => {
    for (const [method, path] of [
      ["GET", "/nowhere"],
      ["PUT", "/handover"],
      ["GET", "/chats/"],
    ] as const) {
      const answer = await send(method, path);
      expect(answer.status).toBe(404);
      expect(JSON.parse(answer.body.toString())).toEqual({ message: "Not Found" });
    }
    expect(events).toHaveLength(0);
  });

  it("answers 413 above API Gateway's 10 MB payload limit, without calling a handler", async () => {
    const answer = await send(
      "POST",
      "/handover",
      { "Content-Type": "application/json" },
      Buffer.alloc(10 * 1024 * 1024 + 1, 32),
    );
    expect(answer.status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it("answers 500 revealing nothing when a handler throws", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    behave = async () => {
      throw new Error("secret internals");
    };
    const answer = await send("POST", "/handover");
    expect(answer.status).toBe(500);
    expect(answer.body.toString()).toBe('{"message":"Internal Server Error"}');
    expect(logged).toHaveBeenCalled();
  });

  it("answers 500 when a handler outlives its function's timeout from the route table, as API Gateway does for a Lambda timeout", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.useFakeTimers();
    behave = () => new Promise(() => {});
    const pending = dispatch(handlers, { method: "GET", url: "/chats/c-1" });
    await vi.advanceTimersByTimeAsync(FUNCTIONS["chat-status"].timeoutSeconds * 1000 - 1);
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ statusCode: 500, body: '{"message":"Internal Server Error"}' });
  });

  it("serves the local-only info for the demo", async () => {
    const answer = await send("GET", LOCAL_INFO_PATH);
    expect(JSON.parse(answer.body.toString())).toEqual({
      simulator: { inspectUrl: "http://127.0.0.1:1/__sim/received" },
    });
    expect(events).toHaveLength(0);
  });
});
