import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import {
  AWAITING_CONFIRMATION,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  Metric,
  type MetricName,
  type Metrics,
} from "@caic-handover/core/shared/metrics";

/**
 * The only attributes a log line carries: each holds ids, counts, outcomes or our own error text,
 * never a value a caller typed. Any other attribute is written as "[not logged]", so personal data
 * cannot reach a log by a new call site; one that needs a new attribute adds it here, knowingly.
 */
export const LOGGED_ATTRIBUTES: ReadonlySet<string> = new Set([
  "fn",
  "route",
  "chatId",
  "field",
  "problem",
  "complete",
  "missing",
  "attempts",
  "attempt",
  "status",
  "mode",
  "outcome",
  "rule",
  "result",
  "reason",
  "ok",
  "found",
  "agentStatus",
  "fault",
  "retryAfterMs",
  "channel",
  "unknownTypes",
  "error",
  // CM's random id for the conversation (not personal) and what became of its history there.
  "routerSessionId",
  "outcome",
  // Which intake fields' known values were stored or refused: field names only, never the values.
  "stored",
  "invalid",
]);

/** Keys whose values are personal data or raw caller input: never written, whatever a call site passes. */
const REDACTED_KEYS = /^(e-?mail|name|value|customerinfo|context|body|raw|headers|key|apikey|token)$/i;
/** Characters that end an e-mail address's local part or domain (and `@`, which starts the domain). */
const NOT_IN_ADDRESS = /[\s@"'<>(),;:]/;

/**
 * Replaces every `local@domain.tld` (runs of address characters around `@`, a dot inside the domain)
 * with `[redacted-email]`, in one pass over the text: each character is looked at at most twice,
 * whatever the text (a backtracking regex took quadratic time on a 16 KB run without `@`).
 */
export function redactEmails(text: string): string {
  const inAddress = (index: number) => !NOT_IN_ADDRESS.test(text.charAt(index));
  let out = "";
  let copied = 0;
  for (let at = text.indexOf("@"); at !== -1; ) {
    let start = at;
    while (start > copied && inAddress(start - 1)) start--;
    let end = at + 1;
    let dot = -1;
    for (; end < text.length && inAddress(end); end++) {
      if (dot === -1 && end >= at + 2 && text.charCodeAt(end) === 46) dot = end;
    }
    if (start < at && dot !== -1 && dot <= end - 2) {
      out += `${text.slice(copied, start)}[redacted-email]`;
      copied = end;
    }
    at = text.indexOf("@", Math.max(at + 1, copied));
  }
  return copied === 0 ? text : out + text.slice(copied);
}

export function redact(value: unknown, key = ""): unknown {
  if (REDACTED_KEYS.test(key)) return "[redacted]";
  if (typeof value === "string") return redactEmails(value);
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

/** Powertools' default log shape, with personal data scrubbed from the message and every attribute. */
class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: redact(attributes.message) as string,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_name: attributes.lambdaContext?.functionName,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(
      Object.fromEntries(
        Object.entries(additional).map(([key, value]) => [
          key,
          LOGGED_ATTRIBUTES.has(key) ? redact(value, key) : "[not logged]",
        ]),
      ),
    );
  }
}

export function createLogger(functionName: string): Logger {
  return new Logger({
    serviceName: METRICS_SERVICE,
    logFormatter: new RedactingLogFormatter(),
    persistentKeys: { fn: functionName },
  });
}

/**
 * Funnel metrics as CloudWatch EMF lines, one per event, with the metric's own dimension next to
 * `service`. Written directly: Powertools' `singleMetric()` built a Metrics and a Console per count
 * and weighed on every bundle (docs/performance.md). `POWERTOOLS_METRICS_DISABLED=true` still silences them.
 */
export function createMetrics(write: (line: string) => void = (line) => process.stdout.write(line)): Metrics {
  return {
    count(metric: MetricName, dimensionValue?: string) {
      if (process.env.POWERTOOLS_METRICS_DISABLED === "true") return;
      const dimension = Metric[metric].dimension;
      const own = dimension !== undefined && dimensionValue !== undefined ? { [dimension]: dimensionValue } : {};
      // A request the Router should confirm also publishes HandoverConfirmed as 0 (same dimensions), so
      // the unconfirmed alarm's FILL never meets a metric that has no data at all.
      const zeros = AWAITING_CONFIRMATION.includes(metric) ? { HandoverConfirmed: 0 } : {};
      const line = {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [["service", ...Object.keys(own)]],
              Metrics: [metric, ...Object.keys(zeros)].map((Name) => ({ Name, Unit: "Count" })),
            },
          ],
        },
        service: METRICS_SERVICE,
        ...own,
        [metric]: 1,
        ...zeros,
      };
      write(`${JSON.stringify(line)}\n`);
    },
  };
}
