import {
  ConfigError,
  loadConfig,
  MIN_WEBHOOK_KEY_LENGTH,
  misspeltSettings,
  nonDefaultSettings,
  SECRET_NAMES,
  SST_SSM_PLACEHOLDER,
} from "@caic-handover/core/config/config";
import { describe, expect, it } from "vitest";

const KEY = "k".repeat(MIN_WEBHOOK_KEY_LENGTH);
const parameters = {
  CM_TECHNICAL_LINK_ID: "link",
  ROUTER_CLIENT_ADAPTER_ID: "wc",
  ROUTER_BOT_ADAPTER_ID: "bot",
  ROUTER_AGENT_ADAPTER_ID: "msc",
};

describe("config", () => {
  it("applies the SPEC defaults", () => {
    const config = loadConfig({ ...parameters, HANDOVER_WEBHOOK_KEY: KEY }, ["HANDOVER_WEBHOOK_KEY"]);
    expect(config).toMatchObject({
      PRESENCE_CHANNEL: "WebChat",
      PRESENCE_CACHE_SECONDS: 10,
      PRESENCE_MAX_STALE_SECONDS: 60,
      INTAKE_TTL_HOURS: 24,
      INTAKE_REQUIRED_FIELDS: ["email", "name"],
      PRESENCE_API_URL: "https://presence.robinhq.com/api/v1",
      ROUTING_API_URL: "https://api.conversational.cm.com",
      HANDOVER_WEBHOOK_KEY: KEY,
    });
    expect(config.PRESENCE_REFERRER).toBeUndefined();
    expect(config.WEB_CONVERSATIONS_HANDOVER_URL).toBeUndefined();
  });

  it("fails fast naming every missing required value", () => {
    expect(() => loadConfig({ ROUTER_BOT_ADAPTER_ID: "bot" }, ["CM_PRODUCT_TOKEN"])).toThrowError(
      new ConfigError(
        "caic-handover configuration: CM_TECHNICAL_LINK_ID is missing; ROUTER_CLIENT_ADAPTER_ID is missing; ROUTER_AGENT_ADAPTER_ID is missing; CM_PRODUCT_TOKEN is missing",
      ),
    );
  });

  it("names a malformed value", () => {
    expect(() => loadConfig({ ...parameters, PRESENCE_CACHE_SECONDS: "ten" })).toThrow(
      /PRESENCE_CACHE_SECONDS is invalid/,
    );
    expect(() => loadConfig({ ...parameters, ROUTING_API_URL: "ftp://x" })).toThrow(/ROUTING_API_URL is invalid/);
    expect(() => loadConfig({ ...parameters, INTAKE_REQUIRED_FIELDS: "email,phone" })).toThrow(
      /INTAKE_REQUIRED_FIELDS is invalid/,
    );
  });

  it("names the accepted values of a malformed setting", () => {
    const error = (name: string, value: string) => {
      try {
        loadConfig({ ...parameters, [name]: value });
      } catch (caught) {
        return (caught as Error).message;
      }
      throw new Error(`${name}=${value} was accepted`);
    };
    expect(error("OFFLINE_HANDOVER", "Message")).toBe(
      'caic-handover configuration: OFFLINE_HANDOVER is invalid: "Message" (accepted: one of off, message (lower case))',
    );
    expect(error("INTAKE_REQUIRED_FIELDS", "email,phone")).toContain(
      "accepted: a comma-separated list of one or more of email, name, message",
    );
    expect(error("PRESENCE_CACHE_SECONDS", "-5")).toContain('"-5" (accepted: a whole number from 0 to 3600)');
    expect(error("INTAKE_TTL_HOURS", "1.5")).toContain("accepted: a whole number from 1 to 8760");
    expect(error("ROUTING_API_URL", "ftp://x")).toContain("accepted: an http or https URL");
    expect(error("PRESENCE_CHANNEL", " ")).toContain("accepted: a non-blank text");
    for (const message of [error("OFFLINE_HANDOVER", "x"), error("PRESENCE_MAX_STALE_SECONDS", "x")]) {
      expect(message).not.toContain("Invalid input");
    }
  });

  it("warns about a misspelt setting, naming the closest known one, and about nothing else", () => {
    expect(misspeltSettings({ OFLINE_HANDOVER: "message", PATH: "/bin", HOME: "/root", AWS_REGION: "x" })).toEqual([
      "OFLINE_HANDOVER is not a setting and is ignored; did you mean OFFLINE_HANDOVER?",
    ]);
    expect(misspeltSettings({ intake_ttl_hours: "2", INTAKE_REQUIRED_FIELD: "email" })).toEqual([
      "intake_ttl_hours is not a setting and is ignored; did you mean INTAKE_TTL_HOURS?",
      "INTAKE_REQUIRED_FIELD is not a setting and is ignored; did you mean INTAKE_REQUIRED_FIELDS?",
    ]);
    expect(misspeltSettings({ ...parameters, OFFLINE_HANDOVER: "message", PORT: "3000", DATA_DIR: "x" })).toEqual([]);
  });

  it("finds the misspelt setting among thousands of unrelated variables, each named at most two edits away", () => {
    const env: Record<string, string> = { SST_Secret_value_CM_PRODUCT_TOKN: "t", DEFAULT_CULTUR: "nl" };
    for (let i = 0; i < 3000; i++) env[`npm_config_SOME_SETTING_${i}`] = "x";
    // More than two edits from every setting: not reported.
    env.OFFLIN_HANDOVR_X = "message";
    expect(misspeltSettings(env)).toEqual([
      "SST_Secret_value_CM_PRODUCT_TOKN is not a setting and is ignored; did you mean CM_PRODUCT_TOKEN?",
      "DEFAULT_CULTUR is not a setting and is ignored; did you mean DEFAULT_CULTURE?",
    ]);
  });

  it("lists the settings that differ from their default, never a secret's value", () => {
    const config = loadConfig({
      ...parameters,
      HANDOVER_WEBHOOK_KEY: KEY,
      OFFLINE_HANDOVER: "message",
      INTAKE_TTL_HOURS: "24",
    });
    const changed = nonDefaultSettings(config);
    expect(changed).toContain("OFFLINE_HANDOVER=message");
    expect(changed).not.toContain("INTAKE_TTL_HOURS=24");
    expect(changed.join(" ")).not.toContain(KEY);
  });

  it("reads SST-bound names and required-field lists", () => {
    const config = loadConfig(
      { ...parameters, SST_Secret_value_CM_PRODUCT_TOKEN: "token", INTAKE_REQUIRED_FIELDS: " email " },
      ["CM_PRODUCT_TOKEN"],
    );
    expect(config.CM_PRODUCT_TOKEN).toBe("token");
    expect(config.INTAKE_REQUIRED_FIELDS).toEqual(["email"]);
  });

  it("never takes SST's placeholder for a value, wherever it appears", () => {
    for (const secret of SECRET_NAMES) {
      for (const variable of [secret, `SST_Secret_value_${secret}`]) {
        expect(() => loadConfig({ ...parameters, [variable]: SST_SSM_PLACEHOLDER }, [secret])).toThrowError(
          new ConfigError(
            `caic-handover configuration: ${secret} is missing (it holds SST's placeholder, not a value)`,
          ),
        );
      }
    }
    const { CM_TECHNICAL_LINK_ID: _plain, ...others } = parameters;
    expect(() => loadConfig({ ...others, SST_Parameter_value_CM_TECHNICAL_LINK_ID: SST_SSM_PLACEHOLDER })).toThrow(
      /CM_TECHNICAL_LINK_ID is missing \(it holds SST's placeholder/,
    );
    // Optional too: a placeholder is not "unset", it is a deploy mistake.
    expect(() => loadConfig({ ...parameters, PRESENCE_REFERRER: SST_SSM_PLACEHOLDER })).toThrow(/PRESENCE_REFERRER/);
  });

  it("refuses a webhook key shorter than 32 characters without printing it", () => {
    const short = "s".repeat(MIN_WEBHOOK_KEY_LENGTH - 1);
    expect(MIN_WEBHOOK_KEY_LENGTH).toBe(32);
    const attempt = () => loadConfig({ ...parameters, HANDOVER_WEBHOOK_KEY: ` ${short} ` }, ["HANDOVER_WEBHOOK_KEY"]);
    expect(attempt).toThrow(/HANDOVER_WEBHOOK_KEY is invalid \(at least 32 characters/);
    expect(attempt).not.toThrow(new RegExp(short));
    expect(loadConfig({ ...parameters, HANDOVER_WEBHOOK_KEY: `${short}s` }).HANDOVER_WEBHOOK_KEY).toBe(`${short}s`);
  });

  it("refuses a key with a space or any character a header or URL would mangle: a pasted error text is no key", () => {
    // What `$(npx sst secrets get ROUTER_WEBHOOK_KEY)` captures when the get fails: 36 characters.
    const errorText = '✖  "ROUTER_WEBHOOK_KEY" is not set';
    for (const value of [
      errorText,
      `${"k".repeat(32)} x`,
      `${"k".repeat(32)}é`,
      `${"k".repeat(32)}\u200b`,
      `${"k".repeat(32)}"`,
    ]) {
      for (const name of ["ROUTER_WEBHOOK_KEY", "ROUTER_WEBHOOK_KEY_PREVIOUS"]) {
        expect(() => loadConfig({ ...parameters, [name]: value }), `${name}=${JSON.stringify(value)}`).toThrow(
          new RegExp(`${name} is invalid \\(only letters, digits`),
        );
      }
    }
    // What openssl rand -hex 32 / -base64 32 and the local defaults give is taken.
    for (const value of [
      "0123456789abcdef".repeat(4),
      "Zm9vYmFyYmF6cXV4K3NsYXNoL2VxdWFscz0=",
      "local-router-webhook-key-npm-start-only",
    ]) {
      expect(loadConfig({ ...parameters, ROUTER_WEBHOOK_KEY: value }).ROUTER_WEBHOOK_KEY).toBe(value);
    }
  });
});

describe("PRESENCE_WEBHOOK_CORS_ORIGINS", () => {
  it("takes origins as browsers send them", () => {
    const config = loadConfig({
      ...parameters,
      PRESENCE_WEBHOOK_CORS_ORIGINS: "https://www.shop.example, http://localhost:3121",
    });
    expect(config.PRESENCE_WEBHOOK_CORS_ORIGINS).toEqual(["https://www.shop.example", "http://localhost:3121"]);
  });

  it.each([
    "https://Shop.Example",
    "https://shop.example:443",
    "http://shop.example:80",
    "https://*.shop.example",
    "https://shop.example/",
    "https://shop.example/path",
  ])("refuses %s, which no browser's Origin ever equals, naming what is accepted", (origin) => {
    expect(() => loadConfig({ ...parameters, PRESENCE_WEBHOOK_CORS_ORIGINS: origin })).toThrow(
      /PRESENCE_WEBHOOK_CORS_ORIGINS.*lower-case host.*not the default/s,
    );
  });
});
