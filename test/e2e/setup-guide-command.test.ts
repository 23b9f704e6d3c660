import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/** `npm run setup-guide` as a user runs it: the script in its own process, its output and exit code. */

const FIXTURE = "test/fixtures/sst-outputs.json";
const PROD = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com";

describe("npm run setup-guide in its own process", () => {
  const tsx = (args: string[]) =>
    promisify(execFile)("node_modules/.bin/tsx", ["packages/local/src/setup-guide.ts", ...args], {
      env: { ...process.env, HANDOVER_WEBHOOK_KEY: "" },
    });

  it("prints the guide, and a one-line reason with exit code 1 when it cannot", async () => {
    const { stdout } = await tsx(["--outputs", FIXTURE, "--stage", "prod"]);
    expect(stdout).toContain(`${PROD}/handover`);
    const failed = await tsx(["--outputs", FIXTURE]).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain(
      `setup-guide: ${FIXTURE} holds several stages (dev, prod): pick one with --stage`,
    );
  });
});
