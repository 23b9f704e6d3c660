import type { SSTConfig } from "sst";
import { API } from "./stacks/API";
import { Database } from "./stacks/Database";
import { FUNCTION_DEFAULTS } from "./stacks/defaults";

export default {
  config(input) {
    // `npx sst deploy --region <region>` deploys elsewhere.
    return { name: "caic-handover", region: input.region ?? "eu-west-1" };
  },
  async stacks(app) {
    app.setDefaultFunctionProps(FUNCTION_DEFAULTS);
    // API is async: it checks the stage's secrets before building anything.
    await app.stack(Database).stack(API);
  },
} satisfies SSTConfig;
