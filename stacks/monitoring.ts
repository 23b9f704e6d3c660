import {
  AWAITING_CONFIRMATION,
  Metric as Declared,
  DIMENSION_VALUES,
  FUNNEL,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  type MetricName,
  NOT_A_FAULT,
} from "@caic-handover/core/shared/metrics";
import type { FunctionName } from "@caic-handover/functions/routes";
import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Effect, PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Api, App, Function as SstFunction, Stack, Table } from "sst/constructs";

const PERIOD = Duration.minutes(5);

/** One line per emitted dimension value (or one line) of a funnel metric, as the functions' EMF writes it. */
function emfMetrics(name: MetricName): Metric[] {
  const dimension = Declared[name].dimension;
  const line = (dimensions: Record<string, string>, label: string) =>
    new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: METRICS_SERVICE, ...dimensions },
      statistic: "Sum",
      period: PERIOD,
      label,
    });
  if (dimension === undefined) return [line({}, name)];
  return DIMENSION_VALUES[dimension].map((value) => line({ [dimension]: value }, `${name} ${value}`));
}

/** CloudWatch allows 10 metrics per alarm; we stay at 8 (expression included) so new dimension values fit. */
export const MAX_METRICS_PER_ALARM = 8;

/**
 * A dimensioned metric summed over all its values (but those that are no fault), for alarms on any of
 * them: one sum per group of at most 7 lines, so no alarm references more than 8 metrics.
 */
function totals(name: MetricName): IMetric[] {
  const lines = emfMetrics(name).filter((line) => !NOT_A_FAULT.includes(line.dimensions?.reason as string));
  if (lines.length === 1) return lines;
  const size = MAX_METRICS_PER_ALARM - 1;
  const groups = Array.from({ length: Math.ceil(lines.length / size) }, (_, i) =>
    lines.slice(i * size, (i + 1) * size),
  );
  return groups.map(
    (group, g) =>
      new MathExpression({
        expression: "SUM(METRICS())",
        usingMetrics: Object.fromEntries(group.map((line, index) => [`m${index}`, line])),
        period: PERIOD,
        label: groups.length === 1 ? `${name} (all)` : `${name} (part ${g + 1} of ${groups.length})`,
      }),
  );
}

const graph = (title: string, metrics: IMetric[], width = 8) =>
  new GraphWidget({ title, left: metrics, width, height: 6 });

export interface MonitoredApp {
  app: App;
  api: Api;
  functions: Record<FunctionName, SstFunction>;
  table: Table;
  alarmEmail: string | undefined;
  unconfirmedHandovers: { threshold: number; windowMinutes: number };
}

/**
 * Accepted mutation requests minus the Router's confirmations over one window. A confirmation may
 * land in the window after its request, so a single late one is within the threshold.
 */
function unconfirmed(windowMinutes: number): MathExpression {
  const period = Duration.minutes(windowMinutes);
  const over = (name: MetricName) => emfMetrics(name)[0]!.with({ period });
  const awaiting = AWAITING_CONFIRMATION.map((name, i) => [`r${i}`, over(name)] as const);
  const sum = awaiting.map(([id]) => `FILL(${id}, 0)`).join(" + ");
  return new MathExpression({
    expression: `${sum} - FILL(c, 0)`,
    usingMetrics: { ...Object.fromEntries(awaiting), c: over("HandoverConfirmed") },
    period,
    label: `Requested, not confirmed (per ${windowMinutes} min)`,
  });
}

/** The stage's dashboard (funnel, failures, functions, API, table) and the alarms that notify one SNS topic. */
export function monitor(stack: Stack, { app, api, functions, table, alarmEmail, unconfirmedHandovers }: MonitoredApp) {
  const prefix = `${app.stage}-${app.name}`;
  const fns = Object.entries(functions) as [FunctionName, SstFunction][];
  const httpApi = api.cdk.httpApi;

  const topic = new Topic(stack, "Alarms", { displayName: `${prefix} alarms`, enforceSSL: true });
  // The topic's policy (enforceSSL's Deny) must also let CloudWatch publish, and only for this stage's alarms.
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: "CloudWatchAlarmsOfThisStage",
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: {
          "aws:SourceArn": `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${prefix}-*`,
        },
        StringEquals: { "aws:SourceAccount": stack.account },
      },
    }),
  );
  if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
  const notify = new SnsAction(topic);
  const alarm = (id: string, metric: IMetric, description: string) => {
    const created = new Alarm(stack, id, {
      alarmName: `${prefix}-${id}`,
      alarmDescription: description,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No traffic is not a fault.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    created.addAlarmAction(notify);
    created.addOkAction(notify);
    return created;
  };
  const perTotal = (name: MetricName, description: string) =>
    totals(name).map((metric, i) => alarm(i === 0 ? name : `${name}-${i + 1}`, metric, description));
  const alarms = [
    ...perTotal("HandoverFailed", "A handover failed (any reason; see the dashboard for which)."),
    ...perTotal(
      "PresenceError",
      "The MSC presence API failed, timed out or refused (429): chats got the last real answer (presence-stale) or were told agents are offline.",
    ),
    alarm(
      "CmHistoryEraseFailed",
      totals("CmHistoryEraseFailed")[0]!,
      "CM's copy of a conversation could not be erased (ERASE_CM_HISTORY): GET /chats/{chatId} shows cmHistoryErased false; DELETE /chats/{chatId} again tries again.",
    ),
    alarm("Api5xx", httpApi.metricServerError({ period: PERIOD, statistic: "Sum" }), "The API answered 5xx."),
    ...fns.map(([name, fn]) =>
      alarm(`Errors-${name}`, fn.metricErrors({ period: PERIOD, statistic: "Sum" }), `Function ${name} failed.`),
    ),
  ];
  const gap = unconfirmed(unconfirmedHandovers.windowMinutes);
  const unconfirmedAlarm = new Alarm(stack, "UnconfirmedHandovers", {
    alarmName: `${prefix}-UnconfirmedHandovers`,
    alarmDescription: `At least ${unconfirmedHandovers.threshold} handovers CM accepted were not confirmed by the Router's Handover Endpoint within ${unconfirmedHandovers.windowMinutes} minutes: check the Router's Handover Endpoint setting and GET /chats/{chatId} (waitingSeconds).`,
    metric: gap,
    threshold: unconfirmedHandovers.threshold,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  unconfirmedAlarm.addAlarmAction(notify);
  unconfirmedAlarm.addOkAction(notify);
  alarms.push(unconfirmedAlarm);

  // Outside the funnel, each dimensioned metric gets a graph of its own and the rest share one, so
  // a newly declared metric is never left off.
  const outsideFunnel = METRIC_NAMES.filter((name) => !FUNNEL.includes(name));
  const split = outsideFunnel.filter((name) => Declared[name].dimension !== undefined);
  const others = outsideFunnel.filter((name) => Declared[name].dimension === undefined);
  const perFunction = (statistic: string, metric: (fn: SstFunction) => Metric) =>
    fns.map(([name, fn]) => metric(fn).with({ statistic, period: PERIOD, label: name }));

  const dashboard = new Dashboard(stack, "Dashboard", {
    dashboardName: prefix,
    widgets: [
      [
        new SingleValueWidget({
          title: "Handover funnel (totals over the time range)",
          metrics: FUNNEL.flatMap(emfMetrics),
          setPeriodToTimeRange: true,
          width: 24,
          height: 4,
        }),
      ],
      [graph("Handover funnel", FUNNEL.flatMap(emfMetrics), 12), graph("Other events", others.flatMap(emfMetrics), 12)],
      [
        graph(
          "Live handovers, messages left while nobody was online, hand-backs",
          (["HandoverRequested", "MessageLeft", "HandedBack"] as const).flatMap(emfMetrics),
          12,
        ),
        new GraphWidget({
          title: "Handovers requested but not confirmed",
          left: [gap],
          leftAnnotations: [{ value: unconfirmedHandovers.threshold, label: "alarm threshold" }],
          width: 12,
          height: 6,
        }),
      ],
      split.map((name) =>
        graph(`${name} by ${Declared[name].dimension}`, emfMetrics(name), Math.floor(24 / split.length)),
      ),
      [
        graph(
          "Duration p50 (ms)",
          perFunction("p50", (fn) => fn.metricDuration()),
        ),
        graph(
          "Duration p99 (ms)",
          perFunction("p99", (fn) => fn.metricDuration()),
        ),
        graph(
          "Function errors",
          perFunction("Sum", (fn) => fn.metricErrors()),
        ),
      ],
      [
        graph("API 4xx / 5xx", [
          httpApi.metricClientError({ period: PERIOD, statistic: "Sum", label: "4xx" }),
          httpApi.metricServerError({ period: PERIOD, statistic: "Sum", label: "5xx" }),
        ]),
        graph(
          "DynamoDB throttles",
          ["ReadThrottleEvents", "WriteThrottleEvents"].map((name) =>
            table.cdk.table.metric(name, { period: PERIOD, statistic: "Sum", label: name }),
          ),
        ),
        new AlarmStatusWidget({ title: "Alarms", alarms, width: 8, height: 6 }),
      ],
    ],
  });

  stack.addOutputs({
    DashboardUrl: `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${dashboard.dashboardName}`,
    AlarmTopicArn: {
      value: topic.topicArn,
      description: "SNS topic every alarm notifies; subscribe e-mail, chat or paging here",
    },
  });
}
