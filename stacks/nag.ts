import { NagSuppressions } from "cdk-nag";
import type { IConstruct } from "constructs";
import type { Stack } from "sst/constructs";

/**
 * Findings of cdk-nag's AWS Solutions rules accepted on purpose, each with its reason, on the construct it
 * concerns and its children. The stack test runs the rules and fails on any finding not explained here.
 */
export const ACCEPTED = {
  basicExecutionRole: {
    id: "AwsSolutions-IAM4",
    appliesTo: ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
    reason:
      "AWS's minimal Lambda policy: logs:CreateLogGroup, CreateLogStream and PutLogEvents, all a function needs to write its own logs.",
  },
  runtime: {
    id: "AwsSolutions-L1",
    reason:
      "nodejs22.x is fixed by the SPEC and SST 2.49's default (supported until 30 Apr 2027); the deployed-artifact test runs every bundle on Node 22.",
  },
  noAuthorizer: {
    id: "AwsSolutions-APIG4",
    reason:
      "No API Gateway authorizer: every handler checks X-Handover-Key (or ?key= where CM cannot send headers) in constant time before anything else, and a function whose key is missing or weak does not start (fail closed). An authorizer would add a second Lambda per request for the same check.",
  },
  frameworkWildcard: {
    id: "AwsSolutions-IAM5",
    appliesTo: ["Resource::*"],
    reason:
      "CDK's own log-retention function sets the retention of the functions' log groups, whose names it only learns at deploy time.",
  },
} as const;

type Accepted = (typeof ACCEPTED)[keyof typeof ACCEPTED];

export function accept(construct: IConstruct, ...findings: Accepted[]) {
  NagSuppressions.addResourceSuppressions(
    construct,
    findings.map((finding) => ({ ...finding, appliesTo: "appliesTo" in finding ? [...finding.appliesTo] : undefined })),
    true,
  );
}

/**
 * Lambda functions the frameworks add to a stack, not this product's code: SST's custom-resource handler
 * (every SST stack has one) and CDK's log-retention function (when functions set a log retention).
 */
export function acceptFrameworkFunctions(stack: Stack) {
  accept(stack.customResourceHandler, ACCEPTED.basicExecutionRole, ACCEPTED.runtime);
  for (const child of stack.node.children.filter((c) => c.node.id.startsWith("LogRetention"))) {
    accept(child, ACCEPTED.basicExecutionRole, ACCEPTED.frameworkWildcard);
  }
}
