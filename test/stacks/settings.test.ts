import { describe, expect, it } from "vitest";
import { deploySettings, PARAMETER_NAMES } from "../../stacks/settings";
import { REQUIRED_PARAMETERS } from "./synth";

describe("deploy settings", () => {
  it("fail fast, naming every missing parameter", () => {
    expect(() => deploySettings({})).toThrow(
      /CM_TECHNICAL_LINK_ID is missing.*ROUTER_CLIENT_ADAPTER_ID is missing.*ROUTER_BOT_ADAPTER_ID is missing.*ROUTER_AGENT_ADAPTER_ID is missing/,
    );
  });

  it("fail on a malformed parameter or alarm address, naming it", () => {
    expect(() => deploySettings({ ...REQUIRED_PARAMETERS, PRESENCE_API_URL: "ftp://x" })).toThrow(
      /PRESENCE_API_URL is invalid/,
    );
    expect(() => deploySettings({ ...REQUIRED_PARAMETERS, ALARM_EMAIL: "oncall" })).toThrow(/ALARM_EMAIL is invalid/);
    expect(() => deploySettings({ ...REQUIRED_PARAMETERS, POWERTOOLS_LOG_LEVEL: "LOUD" })).toThrow(
      /POWERTOOLS_LOG_LEVEL is invalid/,
    );
    expect(() => deploySettings({ ...REQUIRED_PARAMETERS, UNCONFIRMED_HANDOVER_THRESHOLD: "0" })).toThrow(
      /UNCONFIRMED_HANDOVER_THRESHOLD is invalid/,
    );
    expect(() => deploySettings({ ...REQUIRED_PARAMETERS, UNCONFIRMED_HANDOVER_WINDOW_MINUTES: "2" })).toThrow(
      /UNCONFIRMED_HANDOVER_WINDOW_MINUTES is invalid/,
    );
    expect(() => deploySettings({ ...REQUIRED_PARAMETERS, OFFLINE_HANDOVER: "email" })).toThrow(
      /OFFLINE_HANDOVER is invalid/,
    );
  });

  it("pass on the parameters as set, and neither secrets nor local-only settings", () => {
    const settings = deploySettings({
      ...REQUIRED_PARAMETERS,
      PRESENCE_CHANNEL: "WebChat",
      INTAKE_TTL_HOURS: "",
      HANDOVER_WEBHOOK_KEY: "secret",
      TABLE_NAME: "local",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
    });
    expect(settings).toEqual({
      parameters: { ...REQUIRED_PARAMETERS, PRESENCE_CHANNEL: "WebChat" },
      logLevel: "INFO",
      alarmEmail: undefined,
      recoveryDays: 7,
      unconfirmedHandovers: { threshold: 3, windowMinutes: 15 },
      throttle: { rate: 1000, burst: 2000 },
      reservedConcurrency: 20,
    });
    expect(PARAMETER_NAMES).not.toContain("HANDOVER_WEBHOOK_KEY");
    expect(PARAMETER_NAMES).toContain("WEB_CONVERSATIONS_HANDOVER_URL");
  });

  it("take the route throttle and each function's reserved concurrency, or refuse them naming the setting", () => {
    const settings = deploySettings({
      ...REQUIRED_PARAMETERS,
      API_THROTTLE_RATE: "3000",
      API_THROTTLE_BURST: "4000",
      FUNCTION_RESERVED_CONCURRENCY: "off",
    });
    expect(settings.throttle).toEqual({ rate: 3000, burst: 4000 });
    expect(settings.reservedConcurrency).toBeUndefined();
    expect(deploySettings({ ...REQUIRED_PARAMETERS, FUNCTION_RESERVED_CONCURRENCY: "50" }).reservedConcurrency).toBe(
      50,
    );
    for (const [name, value] of [
      ["API_THROTTLE_RATE", "0"],
      ["API_THROTTLE_RATE", "fast"],
      ["API_THROTTLE_BURST", "5001"],
      ["FUNCTION_RESERVED_CONCURRENCY", "0"],
      ["FUNCTION_RESERVED_CONCURRENCY", "2.5"],
    ]) {
      expect(() => deploySettings({ ...REQUIRED_PARAMETERS, [name!]: value })).toThrow(
        new RegExp(`${name} is invalid`),
      );
    }
  });

  it("refuse a cleartext CM or Web Conversations URL, naming each", () => {
    const plain = {
      PRESENCE_API_URL: "http://presence.robinhq.com/api/v1",
      ROUTING_API_URL: "http://api.conversational.cm.com",
      WEB_CONVERSATIONS_HANDOVER_URL: "http://127.0.0.1:4010/handover",
    };
    for (const [name, url] of Object.entries(plain)) {
      expect(() => deploySettings({ ...REQUIRED_PARAMETERS, [name]: url })).toThrow(
        `caic-handover deploy settings: ${name} must be an https:// URL when deployed`,
      );
      expect(deploySettings({ ...REQUIRED_PARAMETERS, [name]: url.replace("http:", "https:") }).parameters[name]).toBe(
        url.replace("http:", "https:"),
      );
    }
  });

  it("keep point-in-time recovery short by default and within DynamoDB's 1–35 days", () => {
    expect(deploySettings(REQUIRED_PARAMETERS).recoveryDays).toBe(7);
    expect(deploySettings({ ...REQUIRED_PARAMETERS, POINT_IN_TIME_RECOVERY_DAYS: "1" }).recoveryDays).toBe(1);
    for (const days of ["0", "36", "7.5", "week"]) {
      expect(() => deploySettings({ ...REQUIRED_PARAMETERS, POINT_IN_TIME_RECOVERY_DAYS: days })).toThrow(
        /POINT_IN_TIME_RECOVERY_DAYS is invalid/,
      );
    }
  });
});
