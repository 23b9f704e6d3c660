import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { checkPresence, quoteAnswer } from "@caic-handover/local/check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const KEY = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const TOKEN = "0a1b2c3d-4e5f-6789-abcd-ef0123456789";

/** Every run of 4 or more characters of a secret the text carries. */
function leaked(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let start = 0; start + 4 <= secret.length; start++) {
    const piece = secret.slice(start, start + 4);
    if (text.includes(piece)) found.push(piece);
  }
  return found;
}

describe("npm run check quotes CM's answer without any part of a secret", () => {
  let server: Server;
  let url: string;
  /** What the stand-in presence API answers: a text echoing the key at the offset asked for. */
  let answer = "";
  beforeAll(async () => {
    server = createServer((_req, res) => res.writeHead(401, { "content-type": "text/plain" }).end(answer));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/presence/api/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("whatever offset the presence API echoes the key at, across the cut too", async () => {
    for (let offset = 0; offset <= 90; offset++) {
      for (const echoed of [KEY, KEY.slice(0, 12), encodeURIComponent(TOKEN), TOKEN]) {
        answer = `${"·".repeat(offset)}${echoed} is not valid`;
        const checked = await checkPresence({ PRESENCE_API_URL: url }, KEY, [KEY, TOKEN]);
        expect(checked.ok).toBe(false);
        expect(leaked(checked.text, KEY), `offset ${offset}: ${checked.text}`).toEqual([]);
        expect(leaked(checked.text, TOKEN), `offset ${offset}: ${checked.text}`).toEqual([]);
        if (offset < 70) expect(checked.text).toContain("<key>");
      }
    }
  });

  it("still quotes what CM said around the key", () => {
    expect(quoteAnswer(`Invalid apikey ${KEY}.`, [KEY])).toBe("Invalid apikey <key>.");
    expect(quoteAnswer(`${"x".repeat(75)}${KEY}`, [KEY])).toBe(`${"x".repeat(75)}<key>`);
    expect(quoteAnswer(`${"x".repeat(76)}${KEY.slice(0, 10)}`, [KEY])).toBe(`${"x".repeat(76)}<key`);
    // CM cut the key itself: the start it kept is hidden at the cut edge (4 or more characters).
    expect(quoteAnswer(`${"x".repeat(60)}${KEY.slice(0, 5)}`, [KEY])).toBe(`${"x".repeat(60)}<key>`);
    expect(quoteAnswer("Unauthorized", [KEY])).toBe("Unauthorized");
  });
});
