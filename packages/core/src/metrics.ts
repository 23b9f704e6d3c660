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
  HandoverRequested: { dimension: undefined },
  HandoverFailed: { dimension: "reason" },
  HandoverConfirmed: { dimension: undefined },
  NotificationForwardFailed: { dimension: undefined },
  SessionEnded: { dimension: undefined },
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
  ],
  field: ["email", "name"],
} as const;

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
