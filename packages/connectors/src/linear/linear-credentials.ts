import { z } from "zod";
import { secretField } from "../core/config-fields.js";

const apiKeyPrefix = "lin_api_";
const oauthTokenPrefix = "lin_oauth_";
const expectedFields = "api_key (a personal API key, lin_api_…) or access_token (an OAuth access token)";

/**
 * Linear accepts two kinds of credentials and authenticates them differently (a personal API key goes
 * bare in `Authorization`, an OAuth token behind `Bearer`), so the caller says which one it pasted.
 * Exactly one field must be present; every problem names the field it is about.
 */
export const linearCredentialsSchema = z
  .strictObject(
    {
      api_key: secretField(
        "Personal API key (lin_api_…), created under Settings → Account → Security & access; sent as `Authorization: <key>`",
      )
        .superRefine((key, context) => {
          const problem = apiKeyProblem(key);
          if (problem) context.addIssue({ code: "custom", message: problem });
        })
        .optional(),
      access_token: secretField(
        "OAuth 2.0 access token (lin_oauth_…) of a Linear OAuth application; sent as `Authorization: Bearer <token>`",
      )
        .superRefine((token, context) => {
          const problem = accessTokenProblem(token);
          if (problem) context.addIssue({ code: "custom", message: problem });
        })
        .optional(),
    },
    {
      error: (issue) =>
        issue.code === "unrecognized_keys"
          ? `unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((key) => `"${key}"`).join(", ")}; expected ${expectedFields}`
          : undefined,
    },
  )
  .superRefine((credentials, context) => {
    if (credentials.api_key === undefined && credentials.access_token === undefined) {
      context.addIssue({ code: "custom", path: ["api_key"], message: `is required: provide ${expectedFields}` });
    } else if (credentials.api_key !== undefined && credentials.access_token !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["access_token"],
        message: "must not be given together with api_key: provide one credential only",
      });
    }
  })
  .meta({
    description: `Exactly one of ${expectedFields}`,
    oneOf: [{ required: ["api_key"] }, { required: ["access_token"] }],
  });

export type LinearCredentials = z.infer<typeof linearCredentialsSchema>;

// Messages describe the value's shape, never repeat it.
function apiKeyProblem(key: string): string | undefined {
  if (/^bearer\s/i.test(key)) {
    return "must be the bare key without a \"Bearer \" prefix: Linear rejects personal API keys sent as bearer tokens";
  }
  if (key.startsWith(oauthTokenPrefix)) {
    return "looks like an OAuth access token (lin_oauth_…): put it in access_token instead";
  }
  if (/\s/.test(key)) return "must not contain spaces or line breaks";
  return undefined;
}

function accessTokenProblem(token: string): string | undefined {
  const bare = stripBearer(token);
  if (bare.startsWith(apiKeyPrefix)) {
    return "looks like a personal API key (lin_api_…): put it in api_key instead";
  }
  if (/\s/.test(bare)) return "must not contain spaces or line breaks";
  return undefined;
}

/** People paste OAuth tokens with the `Bearer ` they saw in a header; Linear's own SDK tolerates it too. */
export function stripBearer(token: string): string {
  return token.replace(/^bearer\s+/i, "");
}
