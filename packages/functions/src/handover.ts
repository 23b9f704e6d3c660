import { HandoverRequestSchema, requestHandover } from "@caic-handover/core/handover/handover";
import { handoverDetails, readHandoverDetails } from "@caic-handover/core/handover/handover-details";
import { CultureRequestSchema } from "@caic-handover/core/language/culture";
import { parseInput } from "@caic-handover/core/shared/input";
import { httpRoute } from "./http/route";
import { createRuntime } from "./runtime";
import { routerWiring } from "./wiring";

const runtime = await createRuntime("handover");
const { config } = runtime;
const deps = {
  ...runtime,
  ...routerWiring(config, runtime.log),
  required: config.INTAKE_REQUIRED_FIELDS,
  defaultReferrer: config.PRESENCE_REFERRER,
  offlineHandover: config.OFFLINE_HANDOVER,
};

/**
 * The handover. The dialog's `reason` may come as a plain-text body with the chat id (and `skill`,
 * `culture`) in the URL: the setup guide's form, which no value can break. A JSON body a dialog
 * variable broke (a `"` or `\` in the reason) still hands over, without the details, with a warning:
 * the details only inform the agent (the query's, if any, still count).
 */
export const handler = httpRoute(
  { log: runtime.log, keys: config, chatId: "required", answerBody: true },
  async ({ chatId, bodyForm, fields, rawBody }) => {
    if (bodyForm === "unreadable") {
      runtime.log.warn("handover details unreadable: the body is not valid JSON; handing over without them", {
        problem: "unreadable-body",
      });
    }
    // An unreadable body's fields are the query's alone: the broken body's details are ignored.
    const given = bodyForm === "text" ? { ...fields, reason: rawBody } : fields;
    const details = handoverDetails(readHandoverDetails(given, runtime.log), parseInput(CultureRequestSchema, fields));
    return { json: await requestHandover(deps, chatId!, parseInput(HandoverRequestSchema, given), details) };
  },
);
