import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PROJECT_ROOT } from "@caic-handover/local/local-defaults";
import { expect, it } from "vitest";
import { ISOLATED_ENV } from "../support/processes";

it("npm run demo answered 401 says the key differs from the one npm start uses, and how to match them", async () => {
  // An API that refuses every key, as npm start does when it was given another key.
  const api = createServer((_, res) =>
    res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}'),
  );
  api.listen(0, "127.0.0.1");
  await once(api, "listening");
  try {
    const demo = spawn(
      process.execPath,
      [`${PROJECT_ROOT}node_modules/tsx/dist/cli.mjs`, "packages/local/src/demo.ts"],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          ...ISOLATED_ENV,
          BASE_URL: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
          HANDOVER_WEBHOOK_KEY: "the-demos-key",
        },
      },
    );
    let output = "";
    demo.stdout.on("data", (chunk) => (output += chunk));
    demo.stderr.on("data", (chunk) => (output += chunk));
    const [code] = await once(demo, "exit");
    expect(code).toBe(1);
    expect(output).toContain(
      '401: the API refused this demo\'s key (the-demos-key). The demo takes HANDOVER_WEBHOOK_KEY from its shell or `.env`, else the local default; `npm start` prints the key it uses as "Local key".',
    );
  } finally {
    api.close();
  }
}, 30_000);
