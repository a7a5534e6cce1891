import { mapping } from "../mapping-types.js";

/** A CRM property: HubSpot records keep them in the `properties` object. */
const property = (name: string) => `json_extract_string(properties, '$.${name}')`;

/** HubSpot: CRM objects and owners (docs/connectors/hubspot.md). */
export const hubspotMappings = [
  mapping("people", "contacts", {
    source_id: "id",
    name: `nullif(trim(concat_ws(' ', ${property("firstname")}, ${property("lastname")})), '')`,
    email: property("email"),
    handle: "NULL",
  }),
  mapping("people", "owners", {
    source_id: "id",
    name: `nullif(trim(concat_ws(' ', firstName, lastName)), '')`,
    email: "email",
    handle: "NULL",
  }),
  mapping("companies", "companies", {
    source_id: "id",
    name: property("name"),
    domain: property("domain"),
  }),
  mapping("work_items", "deals", {
    source_id: "id",
    title: property("dealname"),
    state: property("dealstage"),
    created_at: "createdAt",
    updated_at: "updatedAt",
    url: "NULL",
    assignee: property("hubspot_owner_id"),
  }),
];
