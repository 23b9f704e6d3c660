/** Every funnel metric of SPEC §3, declared once: emitted by the core, drawn by the dashboard and alarms. */
export const METRICS_NAMESPACE = "CaicHandover";
export const METRICS_SERVICE = "caic-handover";

export const Metric = {
  HandoverTriggered: { dimension: undefined },
  AgentsOnline: { dimension: undefined },
  AgentsOffline: { dimension: "reason" },
  PresenceError: { dimension: "reason" },
  IntakeValid: { dimension: "field" },
  IntakeInvalid: { dimension: "field" },
  /** A value the bot already knew (`POST /caic/events` or beside another step), valid and stored. */
  IntakeKnown: { dimension: "field" },
  HandoverRequested: { dimension: undefined },
  /** A handover accepted by CM as a message while nobody was online: counted apart from live handovers. */
  MessageLeft: { dimension: undefined },
  HandoverFailed: { dimension: "reason" },
  HandoverConfirmed: { dimension: undefined },
  /** CM may have acted on a handover request whose answer was lost (timeout, reset, 5xx): never re-sent (docs/design.md#never-resend). */
  HandoverUnconfirmed: { dimension: undefined },
  NotificationForwardFailed: { dimension: undefined },
  HandedBack: { dimension: undefined },
  /** A hand-back request whose answer from CM was lost: never re-sent. */
  HandbackUnconfirmed: { dimension: undefined },
  HandbackFailed: { dimension: "reason" },
  SessionEnded: { dimension: undefined },
  /** The Router session's history deleted at CM, ERASE_CM_HISTORY; a 404 or failure counts CmHistoryEraseFailed. */
  CmHistoryErased: { dimension: undefined },
  CmHistoryEraseFailed: { dimension: undefined },
} as const satisfies Record<string, { dimension: string | undefined }>;

export type MetricName = keyof typeof Metric;
export const METRIC_NAMES = Object.keys(Metric) as MetricName[];

/** The funnel in order, as the dashboard shows it. */
export const FUNNEL: readonly MetricName[] = [
  "HandoverTriggered",
  "AgentsOnline",
  "IntakeValid",
  "HandoverRequested",
  "HandoverConfirmed",
];

/** Values a dimensioned metric is emitted with, so the dashboard can draw one line each. */
export const DIMENSION_VALUES = {
  reason: [
    "presence",
    "presence-error",
    "presence-timeout",
    "presence-stale",
    "closed",
    "intake-incomplete",
    "routing-rejected",
    "routing-unavailable",
    "agents-offline",
    "not-handed-over",
    "run-closed",
  ],
  field: ["email", "name", "message"],
} as const;

/** Answers the dialog is meant to branch on rather than faults: drawn, but they do not raise the failure alarm. */
export const NOT_A_FAULT: readonly string[] = ["agents-offline", "run-closed"];

/** Accepted mutation requests the Router should confirm by calling the Handover Endpoint (HandoverConfirmed). */
export const AWAITING_CONFIRMATION: readonly MetricName[] = ["HandoverRequested", "MessageLeft"];

/** What the core needs to count a funnel step; the functions implement it with CloudWatch EMF. */
export interface Metrics {
  count(metric: MetricName, dimensionValue?: string): void;
}

/** Structured logging port. Attributes must never carry names or e-mail addresses. */
export interface Log {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}
