/**
 * What the HubSpot reader asks for. CRM records only carry the properties a request names, so each
 * object stream requests a default set: identity and contact details, lifecycle and ownership, and
 * the dates the cursor rests on. The simulator renders its ground truth with the same lists
 * (packages/simulators/src/hubspot/hubspot-crm-schema.ts): keep both equal.
 */

export type HubspotObjectType = "contacts" | "companies" | "deals";

/** The last-modified property the search API filters and sorts on: contacts kept their pre-`hs_` name. */
export const lastModifiedProperty: Record<HubspotObjectType, string> = {
  contacts: "lastmodifieddate",
  companies: "hs_lastmodifieddate",
  deals: "hs_lastmodifieddate",
};

export const defaultProperties: Record<HubspotObjectType, readonly string[]> = {
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
