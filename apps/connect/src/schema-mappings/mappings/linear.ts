import { mapping } from "../mapping-types.js";

/** Linear: GraphQL nodes with references as `{ id }` objects (docs/connectors/linear.md). */
export const linearMappings = [
  mapping("people", "users", {
    source_id: "id",
    name: "name",
    email: "email",
    handle: "displayName",
  }),
  mapping("work_items", "issues", {
    source_id: "id",
    title: "title",
    state: "json_extract_string(state, '$.name')",
    created_at: "createdAt",
    updated_at: "updatedAt",
    url: "url",
    assignee: "json_extract_string(assignee, '$.id')",
  }),
  mapping("conversations", "comments", {
    source_id: "id",
    channel: "json_extract_string(issue, '$.id')",
    author: `json_extract_string("user", '$.id')`,
    text: "body",
    created_at: "createdAt",
  }),
];
