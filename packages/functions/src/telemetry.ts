import { LogFormatter, LogItem, Logger } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { Metrics as EmfMetrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Metric, METRICS_NAMESPACE, METRICS_SERVICE, type Metrics, type MetricName } from "@caic-handover/core/metrics";

/** Keys whose values are personal data or raw caller input: never written, whatever a call site passes. */
const REDACTED_KEYS = /^(e-?mail|name|value|customerinfo|context|body|raw|headers|key|apikey|token)$/i;
const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

export function redact(value: unknown, key = ""): unknown {
  if (REDACTED_KEYS.test(key)) return "[redacted]";
  if (typeof value === "string") return value.replace(EMAIL, "[redacted-email]");
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
    }).addAttributes(redact(additional) as LogAttributes);
  }
}

export function createLogger(functionName: string): Logger {
  return new Logger({
    serviceName: METRICS_SERVICE,
    logFormatter: new RedactingLogFormatter(),
    persistentKeys: { fn: functionName },
  });
}

/** Funnel metrics as CloudWatch EMF lines, one per event, with the metric's own dimension. */
export function createMetrics(): Metrics {
  const emf = new EmfMetrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });
  return {
    count(metric: MetricName, dimensionValue?: string) {
      const single = emf.singleMetric();
      const dimension = Metric[metric].dimension;
      if (dimension !== undefined && dimensionValue !== undefined) single.addDimension(dimension, dimensionValue);
      single.addMetric(metric, MetricUnit.Count, 1);
    },
  };
}
