import { checkDeployEnvFiles } from "@caic-handover/local/env-file";
import type { SSTConfig } from "sst";
import { useProject } from "sst/project.js";
import { API } from "./stacks/API";
import { Database } from "./stacks/Database";
import { FUNCTION_DEFAULTS } from "./stacks/defaults";

export default {
  config(input) {
    // `npx sst deploy --region <region>` deploys elsewhere.
    return { name: "caic-handover", region: input.region ?? "eu-west-1" };
  },
  async stacks(app) {
    // SST's dotenv skips a line it cannot read; the deploy refuses it instead, naming the line.
    checkDeployEnvFiles(useProject().paths.root, app.stage);
    app.setDefaultFunctionProps(FUNCTION_DEFAULTS);
    // API is async: it checks the stage's secrets before building anything.
    await app.stack(Database).stack(API);
  },
} satisfies SSTConfig;
