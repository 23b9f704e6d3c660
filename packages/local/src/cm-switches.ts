import { PRESENCE_TIMEOUT_MS } from "@caic-handover/core/availability/presence-call";
import { ConfigError } from "@caic-handover/core/config/config";
import { ROUTING_DEADLINES } from "@caic-handover/core/router/routing";
import type { CmSimulator, Fault } from "./cm-simulator";

/**
 * The simulated CM's switches, as the console, the settings (`SIMULATE_*`) and the control endpoint
 * name them. Each takes effect on the simulator's next call; see docs/local.md for the presence cache.
 */
export const SWITCHES = {
  /** What MSC presence says: an `away` desk answers `Offline` (Away is not available for instant chat). */
  agents: ["online", "offline", "away"],
  presence: ["answering", "failing", "slow", "rate-limited"],
  routing: ["accepting", "rejecting", "slow", "apply-and-drop"],
  /** Not CM's but the backend's: BUSINESS_HOURS as configured, always open, or closed all week. */
  businessHours: ["configured", "open", "closed"],
} as const;

export type SwitchName = keyof typeof SWITCHES;
export type Switches = { [name in SwitchName]: (typeof SWITCHES)[name][number] };

/** The setting that starts `npm start` with a switch in a position. */
export const SWITCH_SETTINGS: Record<SwitchName, string> = {
  agents: "SIMULATE_AGENTS",
  presence: "SIMULATE_PRESENCE",
  routing: "SIMULATE_ROUTING",
  businessHours: "SIMULATE_BUSINESS_HOURS",
};

export const DEFAULT_SWITCHES: Switches = {
  agents: "online",
  presence: "answering",
  routing: "accepting",
  businessHours: "configured",
};

/** Closed every day, with no known opening. */
const CLOSED_ALL_WEEK = JSON.stringify({ timeZone: "UTC", weekly: {} });

/** The BUSINESS_HOURS the availability function starts with in a position (`configured`: the setting's own). */
export function businessHoursIn(position: Switches["businessHours"], configured: string | undefined) {
  return { configured, open: undefined, closed: CLOSED_ALL_WEEK }[position];
}

/** Longer than the caller waits, so "slow" is a timeout as the backend sees it. */
const PRESENCE_SLOW_MS = PRESENCE_TIMEOUT_MS + 1000;
const ROUTING_SLOW_MS = ROUTING_DEADLINES.attemptTimeoutMs + 1000;

const presenceFaults: Record<Switches["presence"], Fault | undefined> = {
  answering: undefined,
  failing: { status: 503, body: "Service Unavailable" },
  slow: { delayMs: PRESENCE_SLOW_MS },
  "rate-limited": { status: 429, body: "Too Many Requests", headers: { "retry-after": "1" } },
};

const routingFaults: Record<Switches["routing"], Fault | undefined> = {
  accepting: undefined,
  rejecting: { status: 403, body: '{"message":"refused by the simulated CM (console switch)"}' },
  slow: { delayMs: ROUTING_SLOW_MS },
  // CM mutates the rules, then the answer is lost: the connection drops.
  "apply-and-drop": { apply: true, reset: true },
};

/** A partial set of switches from untrusted input; the reason when a name or position is unknown. */
export function parseSwitches(input: unknown): Partial<Switches> | string {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return "a JSON object of switches";
  const parsed: Record<string, string> = {};
  for (const [name, position] of Object.entries(input)) {
    const positions = SWITCHES[name as SwitchName] as readonly string[] | undefined;
    if (!positions) return `unknown switch ${JSON.stringify(name)}: one of ${Object.keys(SWITCHES).join(", ")}`;
    if (typeof position !== "string" || !positions.includes(position)) {
      return `${name} must be one of ${positions.join(", ")}`;
    }
    parsed[name] = position;
  }
  return parsed as Partial<Switches>;
}

/** The switches `SIMULATE_AGENTS`, `SIMULATE_PRESENCE` and `SIMULATE_ROUTING` start with. */
export function switchesFromSettings(env: Record<string, string | undefined>): Switches {
  const given = Object.fromEntries(
    (Object.keys(SWITCHES) as SwitchName[])
      .filter((name) => env[SWITCH_SETTINGS[name]])
      .map((name) => [name, env[SWITCH_SETTINGS[name]]]),
  );
  const parsed = parseSwitches(given);
  if (typeof parsed === "string") {
    const name = Object.keys(given).find((key) => typeof parseSwitches({ [key]: given[key] }) === "string")!;
    throw new ConfigError(
      `${SWITCH_SETTINGS[name as SwitchName]} is invalid: ${given[name]} (${SWITCHES[name as SwitchName].join(", ")})`,
    );
  }
  return { ...DEFAULT_SWITCHES, ...parsed };
}

/** Sets the simulator so its next call answers as the switches say. */
export function applySwitches(simulator: CmSimulator, switches: Switches): void {
  simulator.presence.answer = switches.agents === "online" ? "Online" : "Offline";
  simulator.presence.byReferrer.clear();
  simulator.presence.behaviour.standing = presenceFaults[switches.presence];
  simulator.routing.behaviour.standing = routingFaults[switches.routing];
}
