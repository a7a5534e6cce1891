/**
 * The CRM objects the simulator serves, their properties, and the association types between them,
 * as HubSpot names them. The default property lists are the ones the HubSpot connector requests
 * (packages/connectors/src/hubspot/hubspot-properties.ts): `groundTruth` renders records with them,
 * so keep both lists equal.
 */

export type CrmObjectType = "contacts" | "companies" | "deals";

export const crmObjectTypes: readonly CrmObjectType[] = ["contacts", "companies", "deals"];

/** The property that holds the last-modified date: contacts kept their pre-`hs_` name. */
export const lastModifiedProperty: Record<CrmObjectType, string> = {
  contacts: "lastmodifieddate",
  companies: "hs_lastmodifieddate",
  deals: "hs_lastmodifieddate",
};

export const connectorDefaultProperties: Record<CrmObjectType, readonly string[]> = {
  contacts: [
    "address",
    "associatedcompanyid",
    "city",
    "company",
    "country",
    "createdate",
    "email",
    "firstname",
    "hs_lead_status",
    "hs_object_id",
    "hubspot_owner_id",
    "jobtitle",
    "lastmodifieddate",
    "lastname",
    "lifecyclestage",
    "mobilephone",
    "phone",
    "state",
    "website",
    "zip",
  ],
  companies: [
    "address",
    "annualrevenue",
    "city",
    "country",
    "createdate",
    "description",
    "domain",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hubspot_owner_id",
    "industry",
    "lifecyclestage",
    "name",
    "numberofemployees",
    "phone",
    "state",
    "type",
    "website",
    "zip",
  ],
  deals: [
    "amount",
    "closedate",
    "createdate",
    "deal_currency_code",
    "dealname",
    "dealstage",
    "dealtype",
    "description",
    "hs_is_closed_won",
    "hs_lastmodifieddate",
    "hs_object_id",
    "hs_priority",
    "hubspot_owner_id",
    "num_associated_contacts",
    "pipeline",
  ],
};

/** What HubSpot returns when a request names no properties (from its search guide). */
export const hubspotDefaultProperties: Record<CrmObjectType, readonly string[]> = {
  contacts: ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"],
  companies: ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
  deals: ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"],
};

/** Every property a record of each type has (a real account has hundreds; these are enough). */
export const knownProperties: Record<CrmObjectType, ReadonlySet<string>> = {
  contacts: new Set([...connectorDefaultProperties.contacts, "hs_email_domain", "hs_analytics_source", "notes_last_updated"]),
  companies: new Set([...connectorDefaultProperties.companies, "hs_analytics_source", "num_associated_contacts"]),
  deals: new Set([...connectorDefaultProperties.deals, "hs_analytics_source", "notes_last_updated"]),
};

/** Object types as paths accept them: the plural name, the singular, or the object type id. */
export function objectTypeOf(name: string): CrmObjectType | undefined {
  switch (name.toLowerCase()) {
    case "contacts":
    case "contact":
    case "0-1":
      return "contacts";
    case "companies":
    case "company":
    case "0-2":
      return "companies";
    case "deals":
    case "deal":
    case "0-3":
      return "deals";
    default:
      return undefined;
  }
}

export const singularOf: Record<CrmObjectType, string> = { contacts: "contact", companies: "company", deals: "deal" };

export interface AssociationType {
  category: "HUBSPOT_DEFINED" | "USER_DEFINED";
  typeId: number;
  label: string | null;
}

/** HubSpot-defined association types, per direction; the `primary` one exists only toward companies. */
export const associationTypes: Record<string, { unlabeled: AssociationType; primary?: AssociationType }> = {
  "contacts:companies": {
    unlabeled: { category: "HUBSPOT_DEFINED", typeId: 279, label: null },
    primary: { category: "HUBSPOT_DEFINED", typeId: 1, label: "Contact with Primary Company" },
  },
  "companies:contacts": {
    unlabeled: { category: "HUBSPOT_DEFINED", typeId: 280, label: null },
    primary: { category: "HUBSPOT_DEFINED", typeId: 2, label: "Contact with Primary Company" },
  },
  "deals:contacts": { unlabeled: { category: "HUBSPOT_DEFINED", typeId: 3, label: null } },
  "contacts:deals": { unlabeled: { category: "HUBSPOT_DEFINED", typeId: 4, label: null } },
  "deals:companies": {
    unlabeled: { category: "HUBSPOT_DEFINED", typeId: 341, label: null },
    primary: { category: "HUBSPOT_DEFINED", typeId: 5, label: "Deal with Primary Company" },
  },
  "companies:deals": {
    unlabeled: { category: "HUBSPOT_DEFINED", typeId: 342, label: null },
    primary: { category: "HUBSPOT_DEFINED", typeId: 6, label: "Deal with Primary Company" },
  },
};

/** The association streams of the connector: parent type, associated type, and the row's field names. */
export const associationStreams = {
  contact_companies: { from: "contacts", to: "companies", fromKey: "contact_id", toKey: "company_id", cursorKey: "contact_updated_at" },
  deal_contacts: { from: "deals", to: "contacts", fromKey: "deal_id", toKey: "contact_id", cursorKey: "deal_updated_at" },
  deal_companies: { from: "deals", to: "companies", fromKey: "deal_id", toKey: "company_id", cursorKey: "deal_updated_at" },
} as const satisfies Record<string, { from: CrmObjectType; to: CrmObjectType; fromKey: string; toKey: string; cursorKey: string }>;

export type AssociationStreamName = keyof typeof associationStreams;
