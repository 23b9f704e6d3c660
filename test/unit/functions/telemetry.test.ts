import { createLogger } from "@caic-handover/functions/telemetry";
import { afterEach, describe, expect, it, vi } from "vitest";
import { captureLogs } from "../../support/log-capture";

afterEach(() => vi.restoreAllMocks());

/** The JSON lines one logger call writes. */
function linesOf(write: () => void): Record<string, unknown>[] {
  const capture = captureLogs();
  try {
    write();
  } finally {
    capture.stop();
  }
  return capture.lines.map((line) => JSON.parse(line));
}

describe("log lines carry only allow-listed attributes", () => {
  process.env.POWERTOOLS_LOG_LEVEL = "INFO";
  const log = createLogger("intake-name");

  it("writes ids, counts and outcomes; any other attribute as [not logged]", () => {
    const [line] = linesOf(() =>
      log.info("intake value rejected", {
        chatId: "0b7f3c0e-1111-4a4a-8b8b-000000000001",
        field: "name",
        attempts: 2,
        problem: "name.digits",
        visitorNote: "Marta Kowalska",
        types: ["Marta Kowalska"],
      }),
    );
    expect(line).toMatchObject({
      message: "intake value rejected",
      chatId: "0b7f3c0e-1111-4a4a-8b8b-000000000001",
      field: "name",
      attempts: 2,
      problem: "name.digits",
      visitorNote: "[not logged]",
      types: "[not logged]",
      fn: "intake-name",
    });
    expect(JSON.stringify(line)).not.toMatch(/Marta|Kowalska/);
  });

  it("logs the harmless outcome fields, so a live handover and a message left can be told apart", () => {
    const [handover, refused] = linesOf(() => {
      log.info("handover requested", { mode: "message", status: 201, outcome: "requested" });
      log.warn("request refused", { status: 401, rule: "wrong key" });
    });
    expect(handover).toMatchObject({ mode: "message", status: 201, outcome: "requested" });
    expect(refused).toMatchObject({ status: 401, rule: "wrong key" });
  });

  it("logs which known values were stored and which refused (field names), so a refused known name shows", () => {
    const [line] = linesOf(() => log.info("known values", { stored: ["email"], invalid: ["name"] }));
    expect(line).toMatchObject({ message: "known values", stored: ["email"], invalid: ["name"] });
  });

  it("still scrubs an e-mail address from an allowed attribute and from the message", () => {
    const [line] = linesOf(() => log.warn("failed for marta@example.pl", { error: "rejected marta@example.pl" }));
    expect(JSON.stringify(line)).not.toContain("marta@example.pl");
    expect(line).toMatchObject({ error: "rejected [redacted-email]" });
  });
});
