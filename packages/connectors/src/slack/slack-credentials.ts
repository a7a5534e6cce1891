import { z } from "zod";
import { secretField } from "../core/config-fields.js";
import { slackTokenProblem } from "./slack-token-kinds.js";

export const slackCredentialsSchema = z.strictObject({
  token: secretField(
    "Slack bot token (xoxb-…) or user token (xoxp-…); rotating tokens (xoxe.xoxb-…, xoxe.xoxp-…) are accepted but expire after 12 hours",
  ).superRefine((token, context) => {
    const problem = slackTokenProblem(token);
    if (problem) context.addIssue({ code: "custom", message: problem });
  }),
});

export type SlackCredentials = z.infer<typeof slackCredentialsSchema>;
