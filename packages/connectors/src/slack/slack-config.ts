import { z } from "zod";
import { apiBaseUrlField } from "../core/config-fields.js";

export const slackDefaultApiBaseUrl = "https://slack.com/api";

export const slackConfigSchema = z.strictObject({
  api_base_url: apiBaseUrlField(
    slackDefaultApiBaseUrl,
    "Slack Web API base URL (https://slack-gov.com/api for GovSlack)",
  ),
  include_private_channels: z
    .boolean({ error: "must be true or false" })
    .default(true)
    .describe("Mirror the private channels the token can see (needs groups:read and groups:history)"),
  include_archived_channels: z
    .boolean({ error: "must be true or false" })
    .default(false)
    .describe("Also mirror archived channels"),
  channel_ids: z
    .array(z.string().regex(/^[CG][A-Z0-9]{2,}$/, { error: "must be a channel ID such as C0123ABCD" }), {
      error: "must be a list of channel IDs",
    })
    .min(1, { error: "must list at least one channel, or be left out to mirror every channel" })
    .max(1000, { error: "lists too many channels (at most 1000)" })
    .optional()
    .describe("Mirror only these channels (IDs such as C0123ABCD); every visible channel when left out"),
  team_id: z
    .string({ error: "must be a string" })
    .regex(/^T[A-Z0-9]{2,}$/, { error: "must be a workspace ID such as T0123ABCD" })
    .optional()
    .describe("Workspace to mirror when the token is an org-wide Enterprise Grid installation"),
  start_date: z.iso
    .date({ error: "must be a date such as 2024-01-31" })
    .optional()
    .describe("Oldest day of message history the first run reads (UTC); all history when left out"),
  lookback_days: z
    .number({ error: "must be a number of days" })
    .int({ error: "must be a whole number of days" })
    .min(0, { error: "must be 0 or more" })
    .max(365, { error: "must be at most 365" })
    .default(7)
    .describe(
      "Incremental runs re-read each channel's messages from this many days before the last one seen: picks up new replies in threads started in that window, edits, reactions and reply counts. 0 reads only newer messages, and misses replies to older threads",
    ),
});

export type SlackConfig = z.infer<typeof slackConfigSchema>;
