import { acceptedBy, ConfigSchema, loadConfig, misspeltSettings } from "@caic-handover/core/config/config";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deploySettings, KNOWN_SETTINGS, StackSettingsSchema } from "../../../stacks/settings";

const parameters = {
  CM_TECHNICAL_LINK_ID: "link",
  ROUTER_CLIENT_ADAPTER_ID: "wc",
  ROUTER_BOT_ADAPTER_ID: "bot",
  ROUTER_AGENT_ADAPTER_ID: "msc",
};

/** Values some setting or other refuses: every setting refuses at least one of them. */
const BAD_VALUES = [
  " ",
  "yes",
  "-1",
  "0",
  "1.5",
  "2",
  "40",
  "99999999",
  "short",
  "notanemail",
  "ftp://x",
  "{",
  "pt-BR",
];

function refusal(load: () => unknown): string | undefined {
  try {
    load();
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

afterEach(() => vi.restoreAllMocks());

const schemas = [
  { what: "product setting", shape: ConfigSchema.shape, load: (env: Record<string, string>) => loadConfig(env) },
  {
    what: "deploy setting",
    shape: StackSettingsSchema.shape,
    load: (env: Record<string, string>) => deploySettings(env),
  },
] as const;

describe("every setting's error names what it accepts", () => {
  for (const { what, shape, load } of schemas) {
    for (const [name, schema] of Object.entries(shape)) {
      it(`${what} ${name}`, () => {
        const accepted = acceptedBy(schema);
        expect(accepted, `${name} has no words for what it accepts`).toBeTypeOf("string");
        const messages = BAD_VALUES.flatMap((value) => {
          const message = refusal(() => load({ ...parameters, [name]: value }));
          return message === undefined ? [] : [message];
        });
        expect(messages.length, `no bad value refused for ${name}`).toBeGreaterThan(0);
        for (const message of messages) {
          expect(message).toContain(`${name} is invalid`);
          expect(message).toContain(accepted);
          expect(message).not.toMatch(/Invalid input|Invalid option|Too (big|small)/);
        }
      });
    }
  }
});

describe("the deploy settings a reviewer found saying (Invalid input)", () => {
  const message = (name: string, value: string) => refusal(() => deploySettings({ ...parameters, [name]: value }));
  it.each([
    ["POINT_IN_TIME_RECOVERY_DAYS", "40", '"40" (accepted: a whole number from 1 to 35)'],
    ["ALARM_EMAIL", "notanemail", '"notanemail" (accepted: an e-mail address'],
    [
      "POWERTOOLS_LOG_LEVEL",
      "verbose",
      "accepted: one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT (upper case)",
    ],
    ["UNCONFIRMED_HANDOVER_WINDOW_MINUTES", "2", "accepted: a whole number from 5 to 1440"],
    ["FUNCTION_RESERVED_CONCURRENCY", "-1", "accepted: off, or a whole number from 1 to 1000"],
    ["ERASE_CM_HISTORY", "yes", "accepted: one of off, on-erase, on-session-end (lower case)"],
  ])("%s=%s", (name, value, expected) => {
    expect(message(name, value)).toContain(`${name} is invalid`);
    expect(message(name, value)).toContain(expected);
  });
});

describe("a misspelt setting is named at deploy, not silently ignored", () => {
  it("warns once per misspelt name at synth, naming the closest setting, deploy-only ones included", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const env = { ...parameters, OFLINE_HANDOVER: "message", ALARM_EMIAL: "oncall@example.com", PATH: "/bin" };
    deploySettings(env);
    deploySettings(env); // the stacks read the settings more than once per synth
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      "caic-handover deploy settings: warning: OFLINE_HANDOVER is not a setting and is ignored; did you mean OFFLINE_HANDOVER?",
      "caic-handover deploy settings: warning: ALARM_EMIAL is not a setting and is ignored; did you mean ALARM_EMAIL?",
    ]);
  });

  it("npm start's typo check knows the deploy-only names", () => {
    expect(
      misspeltSettings(
        { POINT_IN_TIME_RECOVERY_DAY: "7", API_THROTLE_RATE: "5", ALARM_EMAIL: "a@example.com" },
        KNOWN_SETTINGS,
      ),
    ).toEqual([
      "POINT_IN_TIME_RECOVERY_DAY is not a setting and is ignored; did you mean POINT_IN_TIME_RECOVERY_DAYS?",
      "API_THROTLE_RATE is not a setting and is ignored; did you mean API_THROTTLE_RATE?",
    ]);
  });
});
