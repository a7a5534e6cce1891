import type { ScopeRequirement, StreamDeclaration } from "../core/connector-types.js";

const read = (object: string): ScopeRequirement => ({ scope: `crm.objects.${object}.read` });

/**
 * Sensitive Data properties (Enterprise accounts) are only returned with the object's sensitive
 * scope. HubSpot renamed these scopes with a `.v2` suffix; tokens created earlier carry the old name.
 */
const sensitiveRead = (object: string): ScopeRequirement => ({
  scope: `crm.objects.${object}.sensitive.read.v2`,
  anyOf: [`crm.objects.${object}.sensitive.read`],
});

/** What a person loses when an optional scope is missing, shown as a validation warning. */
export const optionalScopeConsequences: Record<string, string> = {
  "crm.objects.contacts.sensitive.read.v2": "contacts: Sensitive Data properties (Enterprise accounts) will be left out",
  "crm.objects.companies.sensitive.read.v2": "companies: Sensitive Data properties (Enterprise accounts) will be left out",
  "crm.objects.deals.sensitive.read.v2": "deals: Sensitive Data properties (Enterprise accounts) will be left out",
};

const bothModes: StreamDeclaration["syncModes"] = ["full_refresh", "incremental"];

/**
 * CRM records carry `updatedAt`, which mirrors the last-modified property the search API filters on
 * (`lastmodifieddate` for contacts, `hs_lastmodifieddate` for companies and deals). Incremental reads
 * search `GTE cursor` sorted ascending, each page a new search from the last value seen (keyset
 * paging), so no search ever pages toward HubSpot's 10,000-result cap; archived records are reported
 * as deletions. See hubspot-walkers.ts and docs/connectors/hubspot.md.
 *
 * Associations are their own streams rather than id lists inside records: they are many-to-many with
 * labels, the search API does not return them (they are read in batches per changed record), and a
 * token missing one object's scope can still mirror the other object. Their cursor is the parent
 * record's `updatedAt`; removed associations only disappear on a full refresh.
 */
export const hubspotStreams: StreamDeclaration[] = [
  {
    name: "contacts",
    description: "Contacts with their properties; incremental on the last-modified date, deletions from the archived list",
    primaryKey: ["id"],
    cursorField: ["updatedAt"],
    syncModes: bothModes,
    partitionedBy: null,
    requiredScopes: [read("contacts")],
    optionalScopes: [sensitiveRead("contacts")],
  },
  {
    name: "companies",
    description: "Companies with their properties; incremental on the last-modified date, deletions from the archived list",
    primaryKey: ["id"],
    cursorField: ["updatedAt"],
    syncModes: bothModes,
    partitionedBy: null,
    requiredScopes: [read("companies")],
    optionalScopes: [sensitiveRead("companies")],
  },
  {
    name: "deals",
    description:
      "Deals with their properties, pipeline and stage; incremental on the last-modified date, deletions from the archived list",
    primaryKey: ["id"],
    cursorField: ["updatedAt"],
    syncModes: bothModes,
    partitionedBy: null,
    requiredScopes: [read("deals")],
    optionalScopes: [sensitiveRead("deals")],
  },
  {
    name: "owners",
    description:
      "Users and teams records can be assigned to, archived ones included; the owners API cannot filter by date, " +
      "so every run lists them all and keeps those whose updatedAt passed the cursor",
    primaryKey: ["id"],
    cursorField: ["updatedAt"],
    syncModes: bothModes,
    partitionedBy: null,
    requiredScopes: [read("owners")],
    optionalScopes: [],
  },
  {
    name: "contact_companies",
    description: "Which companies each contact is associated with, with association type and label",
    primaryKey: ["contact_id", "company_id", "association_type_id"],
    cursorField: ["contact_updated_at"],
    syncModes: bothModes,
    partitionedBy: null,
    requiredScopes: [read("contacts"), read("companies")],
    optionalScopes: [],
  },
  {
    name: "deal_contacts",
    description: "Which contacts each deal is associated with, with association type and label",
    primaryKey: ["deal_id", "contact_id", "association_type_id"],
    cursorField: ["deal_updated_at"],
    syncModes: bothModes,
    partitionedBy: null,
    requiredScopes: [read("deals"), read("contacts")],
    optionalScopes: [],
  },
  {
    name: "deal_companies",
    description: "Which companies each deal is associated with, with association type and label",
    primaryKey: ["deal_id", "company_id", "association_type_id"],
    cursorField: ["deal_updated_at"],
    syncModes: bothModes,
    partitionedBy: null,
    requiredScopes: [read("deals"), read("companies")],
    optionalScopes: [],
  },
];
