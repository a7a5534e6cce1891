import { mapping } from "../mapping-types.js";

/** `owner/name#number` of the issue or pull request a comment or review belongs to. */
const threadOf = (urlColumn: string, segment: "issues" | "pulls") =>
  `repository || '#' || regexp_extract(${urlColumn}, '/${segment}/([0-9]+)$', 1)`;

/** GitHub: fields as the REST API returns them (docs/connectors/github.md); users are organization members. */
export const githubMappings = [
  mapping("people", "users", {
    source_id: "id",
    // The members listing carries only the login; names and emails need a call per user.
    name: "NULL",
    email: "NULL",
    handle: "login",
  }),
  mapping("work_items", "issues", {
    source_id: "id",
    title: "title",
    state: "state",
    created_at: "created_at",
    updated_at: "updated_at",
    url: "html_url",
    assignee: "json_extract_string(assignee, '$.login')",
  }),
  mapping("work_items", "pull_requests", {
    source_id: "id",
    title: "title",
    state: "CASE WHEN merged_at IS NOT NULL THEN 'merged' ELSE state END",
    created_at: "created_at",
    updated_at: "updated_at",
    url: "html_url",
    assignee: "json_extract_string(assignee, '$.login')",
  }),
  mapping("conversations", "issue_comments", {
    source_id: "id",
    channel: threadOf("issue_url", "issues"),
    author: `json_extract_string("user", '$.login')`,
    text: "body",
    created_at: "created_at",
  }),
  mapping("conversations", "pull_request_reviews", {
    source_id: "id",
    channel: threadOf("pull_request_url", "pulls"),
    author: `json_extract_string("user", '$.login')`,
    text: "body",
    created_at: "submitted_at",
  }),
];
