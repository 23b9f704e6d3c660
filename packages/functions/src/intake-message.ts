import { intakeStep } from "./intake-step";

export const handler = await intakeStep("message");
