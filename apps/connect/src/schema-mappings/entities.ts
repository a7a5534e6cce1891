import type { EntityName } from "@tributary/contracts";

export interface EntityColumn {
  name: string;
  /** DuckDB type every mapping's expression is cast to, so the views of all connectors line up. */
  type: "VARCHAR" | "TIMESTAMPTZ";
  description: string;
}

/** Columns every entity starts with; the catalogue builder fills them in, mappings never declare them. */
const provenance = [
  { name: "source", type: "VARCHAR", description: "The connector the row comes from: github, slack, linear, hubspot" },
  { name: "source_stream", type: "VARCHAR", description: "The stream (table) of the connection the row comes from" },
] as const satisfies readonly EntityColumn[];

const sourceId = {
  name: "source_id",
  type: "VARCHAR",
  description: "The record's id in the source, as text (unique within source and source_stream)",
} as const satisfies EntityColumn;

/**
 * The shared entities: a few fixed column sets every connector's tables are mapped onto, so questions
 * that span tools ("who", "what work", "what was said", "which customer") have one shape to query.
 */
export const entityDefinitions = {
  people: {
    description: "Members, users, contacts and owners: anyone who acts or is acted for in a source",
    columns: [
      ...provenance,
      sourceId,
      { name: "name", type: "VARCHAR", description: "Full or display name" },
      { name: "email", type: "VARCHAR", description: "Email address, when the source exposes it" },
      { name: "handle", type: "VARCHAR", description: "Login, username or display handle" },
    ],
  },
  work_items: {
    description: "Issues, pull requests and deals: units of work with a state",
    columns: [
      ...provenance,
      sourceId,
      { name: "title", type: "VARCHAR", description: "Title or name" },
      { name: "state", type: "VARCHAR", description: "State as the source names it (open, closed, merged, In Progress, a deal stage…)" },
      { name: "created_at", type: "TIMESTAMPTZ", description: "When it was created" },
      { name: "updated_at", type: "TIMESTAMPTZ", description: "When it last changed" },
      { name: "url", type: "VARCHAR", description: "Link to it in the source's web app" },
      { name: "assignee", type: "VARCHAR", description: "Who it is assigned to, as the source identifies them (login, user id, owner id)" },
    ],
  },
  conversations: {
    description: "Messages, replies, comments and reviews: text someone wrote",
    columns: [
      ...provenance,
      sourceId,
      { name: "channel", type: "VARCHAR", description: "Where it was written: channel id, issue (owner/repo#number), issue id" },
      { name: "author", type: "VARCHAR", description: "Who wrote it, as the source identifies them (login, user id)" },
      { name: "text", type: "VARCHAR", description: "The text" },
      { name: "created_at", type: "TIMESTAMPTZ", description: "When it was written" },
    ],
  },
  companies: {
    description: "Organisations: customers, prospects, vendors",
    columns: [
      ...provenance,
      sourceId,
      { name: "name", type: "VARCHAR", description: "Company name" },
      { name: "domain", type: "VARCHAR", description: "Web domain" },
    ],
  },
} as const satisfies Record<EntityName, { description: string; columns: readonly EntityColumn[] }>;

type ProvenanceColumn = (typeof provenance)[number]["name"];

/** The columns a mapping of entity `E` declares: every column but the provenance ones. */
export type MappedColumnName<E extends EntityName> = Exclude<(typeof entityDefinitions)[E]["columns"][number]["name"], ProvenanceColumn>;

export const provenanceColumns: ReadonlySet<string> = new Set(provenance.map((column) => column.name));
