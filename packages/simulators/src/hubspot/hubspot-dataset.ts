import type { ChangeSpec, ChangeSummary, DatasetControl } from "../core/dataset-types.js";
import {
  associationStreams,
  associationTypes,
  connectorDefaultProperties,
  crmObjectTypes,
  knownProperties,
  lastModifiedProperty,
  type AssociationStreamName,
  type AssociationType,
  type CrmObjectType,
} from "./hubspot-crm-schema.js";
import { ModifiedIndex } from "./hubspot-modified-index.js";
import {
  SeededRandom,
  companyStems,
  companySuffixes,
  companyTypes,
  currencies,
  dealStages,
  dealTypes,
  firstNames,
  industries,
  iso,
  jobTitles,
  lastNames,
  leadStatuses,
  lifecycleStages,
  mixSeeds,
  phoneNumber,
  places,
  priorities,
  sentence,
  slug,
  streets,
} from "./hubspot-seed-data.js";

/** Sizes and seed of the dataset a simulator serves. */
export interface HubspotDatasetOptions {
  seed?: number;
  contacts?: number;
  companies?: number;
  deals?: number;
  /** Active owners (users records can be assigned to). */
  owners?: number;
  /** Owners already deactivated when the dataset is built (listed with `archived=true`). */
  archivedOwners?: number;
  /** Contacts associated with each deal; each deal also gets one (primary) company when there are companies. */
  associationsPerDeal?: number;
  /**
   * Milliseconds between two changes of one `applyChanges` batch. Unset: 0 to 2 ms (seeded), so some
   * changes share a millisecond, as bulk edits in HubSpot do. 0 puts a whole batch in one millisecond.
   */
  changeStepMs?: number;
}

/** The small dataset `npm start` serves when no dataset option is given. */
export const hubspotDemoDataset: Required<Omit<HubspotDatasetOptions, "changeStepMs">> = {
  seed: 20_260_601,
  contacts: 60,
  companies: 15,
  deals: 20,
  owners: 6,
  archivedOwners: 1,
  associationsPerDeal: 2,
};

/** Where the simulated clock starts: every seeded record was created and last modified before it. */
export const hubspotDatasetEpoch = Date.UTC(2025, 5, 2, 9, 30, 0);

const day = 86_400_000;

export interface CrmRecord {
  id: string;
  numericId: number;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
  /** Stored property values; `createdate`, the last-modified date and `hs_object_id` derive from the fields above. */
  props: Record<string, string | null>;
  /**
   * The last renderings, keyed by the property list they were rendered with: two, because readers
   * alternate between a full property list and `hs_object_id` alone (association parents, archived
   * listings). Cleared when the record changes.
   */
  rendered?: Array<{ key: string; json: string }>;
}

export interface OwnerRecord {
  id: string;
  numericId: number;
  email: string;
  firstName: string;
  lastName: string;
  userId: number;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  teams: Array<{ id: string; name: string; primary: boolean }>;
  rendered?: string;
}

/** One object type's records with the orders HubSpot serves them in. */
export class ObjectTable {
  readonly records = new Map<string, CrmRecord>();
  /** Numeric ids in list order (ascending), live and archived apart. */
  readonly liveIds: number[] = [];
  readonly archivedIds: number[] = [];
  index = new ModifiedIndex();
  nextId: number;

  constructor(
    readonly type: CrmObjectType,
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  get(id: string): CrmRecord | undefined {
    return this.records.get(id);
  }

  live(id: string): CrmRecord | undefined {
    const record = this.records.get(id);
    return record && !record.archived ? record : undefined;
  }
}

const ownerTeams = [
  { id: "178588", name: "West Coast Sales" },
  { id: "178590", name: "East Coast Sales" },
  { id: "178594", name: "Customer Success" },
  { id: "178597", name: "EMEA" },
];

/**
 * A seeded HubSpot account: contacts, companies, deals, owners and their associations, a clock that
 * only moves forward, and the changes a test scripts between two reads.
 */
export class HubspotDataset implements DatasetControl {
  readonly tables: Record<CrmObjectType, ObjectTable>;
  readonly owners = new Map<string, OwnerRecord>();
  readonly ownerIds: number[] = [];
  /** `from:to` → from id → to id → association types, both directions kept. */
  private readonly edges = new Map<string, Map<string, Map<string, AssociationType[]>>>();
  private readonly random: SeededRandom;
  private readonly seed: number;
  private readonly changeStepMs: number | undefined;
  private nextOwnerId = 41_629_779;
  private nextUserId = 9_586_504;
  /** The simulated "now": HubSpot's clock as the dataset sees it. Only moves forward. */
  clock = hubspotDatasetEpoch;

  constructor(options: HubspotDatasetOptions = {}) {
    const sizes = { ...hubspotDemoDataset, ...withoutUndefined(options) };
    this.seed = sizes.seed;
    this.random = new SeededRandom(sizes.seed);
    this.changeStepMs = options.changeStepMs;
    this.tables = {
      contacts: new ObjectTable("contacts", 101),
      companies: new ObjectTable("companies", 5_281_000_001),
      deals: new ObjectTable("deals", 9_104_000_001),
    };
    this.build(sizes);
  }

  // ---------------------------------------------------------------- building

  private build(sizes: Required<Omit<HubspotDatasetOptions, "changeStepMs">>): void {
    const random = this.random;
    for (let index = 0; index < sizes.owners + sizes.archivedOwners; index += 1) {
      const createdAt = this.clock - random.int(200, 1500) * day - random.int(0, day);
      const owner = this.newOwner(random, createdAt, createdAt + random.int(0, 150) * day);
      if (index >= sizes.owners) {
        owner.archived = true;
        owner.updatedAt = createdAt + random.int(151, 190) * day;
      }
    }
    for (let index = 0; index < sizes.companies; index += 1) this.insertSeeded("companies", random);
    for (let index = 0; index < sizes.contacts; index += 1) {
      const contact = this.insertSeeded("contacts", random);
      const companies = this.tables.companies.liveIds;
      if (companies.length > 0 && random.chance(0.8)) {
        this.associateContactCompany(contact, this.tables.companies.get(String(random.pick(companies))) as CrmRecord);
      }
    }
    for (let index = 0; index < sizes.deals; index += 1) {
      const deal = this.insertSeeded("deals", random);
      this.associateNewDeal(deal, sizes.associationsPerDeal, random);
    }
    for (const type of crmObjectTypes) this.rebuildIndex(type);
  }

  /** A record created in the past, before the clock's start. */
  private insertSeeded(type: CrmObjectType, random: SeededRandom): CrmRecord {
    const createdAt = this.clock - random.int(2, 1000) * day - random.int(0, day - 1);
    const updatedAt = Math.min(this.clock - day, createdAt + random.int(0, 400) * day + random.int(0, day - 1));
    return this.createRecord(type, random, createdAt, Math.max(createdAt, updatedAt));
  }

  private createRecord(type: CrmObjectType, random: SeededRandom, createdAt: number, updatedAt: number): CrmRecord {
    const table = this.tables[type];
    const numericId = table.nextId;
    table.nextId += random.int(1, 4);
    const id = String(numericId);
    const record: CrmRecord = { id, numericId, createdAt, updatedAt, archived: false, props: this.seedProperties(type, random, createdAt) };
    table.records.set(id, record);
    table.liveIds.push(numericId);
    return record;
  }

  private seedProperties(type: CrmObjectType, random: SeededRandom, createdAt: number): Record<string, string | null> {
    const place = random.pick(places);
    const owner = this.randomActiveOwner(random);
    switch (type) {
      case "contacts": {
        const firstname = random.pick(firstNames);
        const lastname = random.pick(lastNames);
        const domain = `${slug(random.pick(companyStems))}${random.int(1, 99)}.example.com`;
        return {
          address: `${random.int(1, 999)} ${random.pick(streets)}`,
          associatedcompanyid: null,
          city: place.city,
          company: null,
          country: place.country,
          email: `${slug(firstname)}.${slug(lastname)}${random.int(1, 9999)}@${domain}`,
          firstname,
          hs_analytics_source: random.pick(["ORGANIC_SEARCH", "DIRECT_TRAFFIC", "REFERRALS", "OFFLINE", "PAID_SEARCH"]),
          hs_email_domain: domain,
          hs_lead_status: random.chance(0.7) ? random.pick(leadStatuses) : null,
          hubspot_owner_id: owner,
          jobtitle: random.pick(jobTitles),
          lastname,
          lifecyclestage: random.pick(lifecycleStages),
          mobilephone: random.chance(0.4) ? phoneNumber(random) : null,
          notes_last_updated: random.chance(0.5) ? iso(createdAt + random.int(1, 30) * day) : null,
          phone: random.chance(0.8) ? phoneNumber(random) : null,
          state: place.state,
          website: random.chance(0.5) ? `https://${domain}` : null,
          zip: place.zip,
        };
      }
      case "companies": {
        const name = `${random.pick(companyStems)} ${random.pick(companySuffixes)}`;
        const domain = `${slug(name)}${random.int(1, 99)}.example.com`;
        return {
          address: `${random.int(1, 999)} ${random.pick(streets)}`,
          annualrevenue: String(random.int(2, 900) * 100_000),
          city: place.city,
          country: place.country,
          description: sentence(random, random.int(2, 4)),
          domain,
          hs_analytics_source: random.pick(["ORGANIC_SEARCH", "DIRECT_TRAFFIC", "REFERRALS", "OFFLINE"]),
          hubspot_owner_id: owner,
          industry: random.pick(industries),
          lifecyclestage: random.pick(lifecycleStages),
          name,
          num_associated_contacts: "0",
          numberofemployees: String(random.int(5, 5000)),
          phone: phoneNumber(random),
          state: place.state,
          type: random.pick(companyTypes),
          website: `https://www.${domain}`,
          zip: place.zip,
        };
      }
      case "deals": {
        const stage = random.pick(dealStages);
        return {
          amount: String(random.int(10, 2000) * 250),
          closedate: iso(createdAt + random.int(10, 180) * day),
          deal_currency_code: random.pick(currencies),
          dealname: `${random.pick(companyStems)} – ${random.pick(["annual plan", "pilot", "expansion", "renewal", "services"])}`,
          dealstage: stage,
          dealtype: random.pick(dealTypes),
          description: random.chance(0.6) ? sentence(random, random.int(1, 3)) : null,
          hs_analytics_source: random.pick(["ORGANIC_SEARCH", "DIRECT_TRAFFIC", "REFERRALS", "OFFLINE"]),
          hs_is_closed_won: stage === "closedwon" ? "true" : "false",
          hs_priority: random.pick(priorities),
          hubspot_owner_id: owner,
          notes_last_updated: random.chance(0.5) ? iso(createdAt + random.int(1, 30) * day) : null,
          num_associated_contacts: "0",
          pipeline: "default",
        };
      }
    }
  }

  private newOwner(random: SeededRandom, createdAt: number, updatedAt: number): OwnerRecord {
    const firstName = random.pick(firstNames);
    const lastName = random.pick(lastNames);
    const numericId = this.nextOwnerId;
    this.nextOwnerId += random.int(1, 40);
    const team = random.pick(ownerTeams);
    const owner: OwnerRecord = {
      id: String(numericId),
      numericId,
      email: `${slug(firstName)}.${slug(lastName)}@tributary-demo.example.com`,
      firstName,
      lastName,
      userId: this.nextUserId,
      createdAt,
      updatedAt,
      archived: false,
      teams: random.chance(0.8) ? [{ ...team, primary: true }] : [],
    };
    this.nextUserId += random.int(1, 900);
    this.owners.set(owner.id, owner);
    this.ownerIds.push(numericId);
    return owner;
  }

  private randomActiveOwner(random: SeededRandom): string | null {
    if (this.ownerIds.length === 0 || random.chance(0.1)) return null;
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const owner = this.owners.get(String(random.pick(this.ownerIds)));
      if (owner && !owner.archived) return owner.id;
    }
    return null;
  }

  private rebuildIndex(type: CrmObjectType): void {
    const table = this.tables[type];
    const entries = table.liveIds
      .map((numericId) => table.get(String(numericId)) as CrmRecord)
      .map((record) => ({ id: record.id, time: record.updatedAt, numericId: record.numericId }))
      .sort((a, b) => a.time - b.time || a.numericId - b.numericId);
    table.index = ModifiedIndex.from(entries);
  }

  // ---------------------------------------------------------------- associations

  /** Association types from one record to another, or undefined. */
  associationsOf(from: CrmObjectType, to: CrmObjectType, fromId: string): Map<string, AssociationType[]> | undefined {
    return this.edges.get(`${from}:${to}`)?.get(fromId);
  }

  private link(from: CrmObjectType, fromId: string, to: CrmObjectType, toId: string, primary: boolean): void {
    for (const [a, aId, b, bId] of [
      [from, fromId, to, toId],
      [to, toId, from, fromId],
    ] as const) {
      const key = `${a}:${b}`;
      const definition = associationTypes[key];
      if (!definition) throw new Error(`no association types for ${key}`);
      let byFrom = this.edges.get(key);
      if (!byFrom) this.edges.set(key, (byFrom = new Map()));
      let byTo = byFrom.get(aId);
      if (!byTo) byFrom.set(aId, (byTo = new Map()));
      const types = primary && definition.primary ? [definition.primary, definition.unlabeled] : [definition.unlabeled];
      byTo.set(bId, types);
    }
  }

  private unlink(from: CrmObjectType, fromId: string, to: CrmObjectType, toId: string): AssociationType[] {
    const removed = this.edges.get(`${from}:${to}`)?.get(fromId)?.get(toId) ?? [];
    this.edges.get(`${from}:${to}`)?.get(fromId)?.delete(toId);
    this.edges.get(`${to}:${from}`)?.get(toId)?.delete(fromId);
    return removed;
  }

  private associateContactCompany(contact: CrmRecord, company: CrmRecord): AssociationType[] {
    const existing = this.associationsOf("contacts", "companies", contact.id);
    const primary = contact.props.associatedcompanyid === null || contact.props.associatedcompanyid === undefined;
    if (existing?.has(company.id)) return [];
    this.link("contacts", contact.id, "companies", company.id, primary);
    if (primary) {
      contact.props.associatedcompanyid = company.id;
      contact.props.company = company.props.name ?? null;
    }
    company.props.num_associated_contacts = String(this.associationsOf("companies", "contacts", company.id)?.size ?? 0);
    company.rendered = undefined;
    return this.associationsOf("contacts", "companies", contact.id)?.get(company.id) ?? [];
  }

  private associateNewDeal(deal: CrmRecord, contactsPerDeal: number, random: SeededRandom): void {
    const contacts = this.tables.contacts.liveIds;
    const wanted = Math.min(contactsPerDeal, contacts.length);
    for (let attempt = 0; attempt < wanted * 4 && (this.associationsOf("deals", "contacts", deal.id)?.size ?? 0) < wanted; attempt += 1) {
      this.link("deals", deal.id, "contacts", String(random.pick(contacts)), false);
    }
    deal.props.num_associated_contacts = String(this.associationsOf("deals", "contacts", deal.id)?.size ?? 0);
    const companies = this.tables.companies.liveIds;
    if (companies.length > 0) this.link("deals", deal.id, "companies", String(random.pick(companies)), true);
  }

  // ---------------------------------------------------------------- rendering

  /** The API object for a record, with the given (sorted, de-duplicated) property names. */
  renderRecord(type: CrmObjectType, record: CrmRecord, properties: readonly string[], key: string): string {
    const cached = record.rendered?.find((entry) => entry.key === key);
    if (cached) return cached.json;
    const values: Record<string, string | null> = {};
    const known = knownProperties[type];
    const lastModified = lastModifiedProperty[type];
    for (const name of properties) {
      if (name === "hs_object_id") values[name] = record.id;
      else if (name === "createdate") values[name] = iso(record.createdAt);
      else if (name === lastModified) values[name] = iso(record.updatedAt);
      else if (known.has(name)) values[name] = record.props[name] ?? null;
    }
    const object: Record<string, unknown> = {
      id: record.id,
      properties: values,
      createdAt: iso(record.createdAt),
      updatedAt: iso(record.updatedAt),
      archived: record.archived,
    };
    if (record.archived && record.archivedAt !== undefined) object.archivedAt = iso(record.archivedAt);
    const json = JSON.stringify(object);
    record.rendered = [{ key, json }, ...(record.rendered ?? []).slice(0, 1)];
    return json;
  }

  renderOwner(owner: OwnerRecord): string {
    if (owner.rendered) return owner.rendered;
    owner.rendered = JSON.stringify({
      id: owner.id,
      email: owner.email,
      type: "PERSON",
      firstName: owner.firstName,
      lastName: owner.lastName,
      // A deactivated user keeps only `userIdIncludingInactive`.
      userId: owner.archived ? null : owner.userId,
      userIdIncludingInactive: owner.userId,
      createdAt: iso(owner.createdAt),
      updatedAt: iso(owner.updatedAt),
      archived: owner.archived,
      teams: owner.teams,
    });
    return owner.rendered;
  }

  // ---------------------------------------------------------------- ground truth

  groundTruth(stream: string): Record<string, unknown>[] {
    if (stream === "contacts" || stream === "companies" || stream === "deals") {
      const table = this.tables[stream];
      const properties = [...connectorDefaultProperties[stream]].sort();
      const key = properties.join(",");
      return table.liveIds.map((numericId) =>
        JSON.parse(this.renderRecord(stream, table.get(String(numericId)) as CrmRecord, properties, key)) as Record<string, unknown>,
      );
    }
    if (stream === "owners") {
      return [...this.ownerIds]
        .sort((a, b) => a - b)
        .map((numericId) => JSON.parse(this.renderOwner(this.owners.get(String(numericId)) as OwnerRecord)) as Record<string, unknown>);
    }
    if (stream in associationStreams) return this.associationRows(stream as AssociationStreamName);
    throw new Error(
      `unknown HubSpot stream "${stream}" (known: contacts, companies, deals, owners, ${Object.keys(associationStreams).join(", ")})`,
    );
  }

  /** The rows of an association stream: one per parent, associated record and association type. */
  associationRows(stream: AssociationStreamName): Record<string, unknown>[] {
    const spec = associationStreams[stream];
    const parents = this.tables[spec.from];
    const targets = this.tables[spec.to];
    const rows: Record<string, unknown>[] = [];
    for (const numericId of parents.liveIds) {
      const parent = parents.get(String(numericId)) as CrmRecord;
      const associated = this.associationsOf(spec.from, spec.to, parent.id);
      if (!associated) continue;
      for (const [toId, types] of associated) {
        if (!targets.live(toId)) continue;
        for (const type of types) {
          rows.push({
            [spec.fromKey]: parent.id,
            [spec.toKey]: toId,
            association_type_id: type.typeId,
            association_category: type.category,
            association_label: type.label,
            [spec.cursorKey]: iso(parent.updatedAt),
          });
        }
      }
    }
    return rows;
  }

  // ---------------------------------------------------------------- changes

  /**
   * Applies a change batch as activity in the account would: an hour passes, the changes happen a
   * millisecond or two apart (each bumps the record's last-modified date), then ten quiet minutes pass.
   * Association changes bump their parent's last-modified date, as HubSpot's association-count
   * properties (`num_associated_contacts`, `associatedcompanyid`) change with them.
   */
  applyChanges(spec: ChangeSpec): ChangeSummary {
    const random = new SeededRandom(mixSeeds(this.seed, spec.seed));
    const summary: ChangeSummary = { applied: {} };
    let time = this.clock + 3_600_000;
    const tick = () => {
      time += this.changeStepMs ?? random.int(0, 2);
      return time;
    };
    for (const [stream, counts] of Object.entries(spec.changes)) {
      const applied = { inserted: [] as string[], updated: [] as string[], deleted: [] as string[] };
      summary.applied[stream] = applied;
      const inserts = counts.inserts ?? 0;
      const updates = counts.updates ?? 0;
      const deletes = counts.deletes ?? 0;
      if (stream === "contacts" || stream === "companies" || stream === "deals") {
        this.changeObjects(stream, random, { inserts, updates, deletes }, tick, applied);
      } else if (stream === "owners") {
        this.changeOwners(random, { inserts, updates, deletes }, tick, applied);
      } else if (stream in associationStreams) {
        this.changeAssociations(stream as AssociationStreamName, random, { inserts, deletes }, tick, applied);
      } else {
        throw new Error(`unknown HubSpot stream "${stream}" in change spec`);
      }
    }
    this.clock = time + 600_000;
    return summary;
  }

  private changeObjects(
    type: CrmObjectType,
    random: SeededRandom,
    counts: { inserts: number; updates: number; deletes: number },
    tick: () => number,
    applied: { inserted: string[]; updated: string[]; deleted: string[] },
  ): void {
    const table = this.tables[type];
    const chosen = distinctPicks(random, table.liveIds, counts.updates + counts.deletes);
    for (const numericId of chosen.slice(0, counts.updates)) {
      const record = table.get(String(numericId)) as CrmRecord;
      this.mutate(type, record, random);
      this.touch(type, record, tick());
      applied.updated.push(JSON.stringify({ id: record.id }));
    }
    for (const numericId of chosen.slice(counts.updates)) {
      const record = table.get(String(numericId)) as CrmRecord;
      const at = tick();
      record.archived = true;
      record.archivedAt = at;
      record.updatedAt = at;
      record.rendered = undefined;
      table.index.remove(record.id);
      removeSorted(table.liveIds, numericId);
      insertSorted(table.archivedIds, numericId);
      applied.deleted.push(JSON.stringify({ id: record.id }));
    }
    for (let index = 0; index < counts.inserts; index += 1) {
      const at = tick();
      const record = this.createRecord(type, random, at, at);
      table.index.upsert(record.id, at);
      if (type === "contacts" && this.tables.companies.liveIds.length > 0 && random.chance(0.8)) {
        const company = this.tables.companies.get(String(random.pick(this.tables.companies.liveIds))) as CrmRecord;
        this.associateContactCompany(record, company);
      }
      if (type === "deals") this.associateNewDeal(record, 2, random);
      applied.inserted.push(JSON.stringify({ id: record.id }));
    }
  }

  private mutate(type: CrmObjectType, record: CrmRecord, random: SeededRandom): void {
    const props = record.props;
    switch (type) {
      case "contacts":
        props.jobtitle = random.pick(jobTitles);
        props.lifecyclestage = random.pick(lifecycleStages);
        props.hs_lead_status = random.pick(leadStatuses);
        props.phone = phoneNumber(random);
        break;
      case "companies":
        props.numberofemployees = String(random.int(5, 5000));
        props.annualrevenue = String(random.int(2, 900) * 100_000);
        props.description = sentence(random, random.int(2, 4));
        break;
      case "deals": {
        const stage = random.pick(dealStages);
        props.dealstage = stage;
        props.hs_is_closed_won = stage === "closedwon" ? "true" : "false";
        props.amount = String(random.int(10, 2000) * 250);
        break;
      }
    }
  }

  /** Bumps a record's last-modified date and moves it to the end of the search order. */
  private touch(type: CrmObjectType, record: CrmRecord, at: number): void {
    record.updatedAt = at;
    record.rendered = undefined;
    this.tables[type].index.upsert(record.id, at);
  }

  private changeOwners(
    random: SeededRandom,
    counts: { inserts: number; updates: number; deletes: number },
    tick: () => number,
    applied: { inserted: string[]; updated: string[]; deleted: string[] },
  ): void {
    const active = this.ownerIds.filter((numericId) => !(this.owners.get(String(numericId)) as OwnerRecord).archived);
    const chosen = distinctPicks(random, active, counts.updates + counts.deletes);
    for (const numericId of chosen.slice(0, counts.updates)) {
      const owner = this.owners.get(String(numericId)) as OwnerRecord;
      owner.lastName = random.pick(lastNames);
      owner.teams = [{ ...random.pick(ownerTeams), primary: true }];
      owner.updatedAt = tick();
      owner.rendered = undefined;
      applied.updated.push(JSON.stringify({ id: owner.id }));
    }
    for (const numericId of chosen.slice(counts.updates)) {
      // Deactivating a user archives its owner: it moves to `archived=true` and stays a record.
      const owner = this.owners.get(String(numericId)) as OwnerRecord;
      owner.archived = true;
      owner.updatedAt = tick();
      owner.rendered = undefined;
      applied.deleted.push(JSON.stringify({ id: owner.id }));
    }
    for (let index = 0; index < counts.inserts; index += 1) {
      const at = tick();
      const owner = this.newOwner(random, at, at);
      applied.inserted.push(JSON.stringify({ id: owner.id }));
    }
  }

  private changeAssociations(
    stream: AssociationStreamName,
    random: SeededRandom,
    counts: { inserts: number; deletes: number },
    tick: () => number,
    applied: { inserted: string[]; updated: string[]; deleted: string[] },
  ): void {
    const spec = associationStreams[stream];
    const parents = this.tables[spec.from];
    const targets = this.tables[spec.to];
    const rowKey = (parentId: string, toId: string, type: AssociationType) =>
      JSON.stringify({ [spec.fromKey]: parentId, [spec.toKey]: toId, association_type_id: type.typeId });

    for (let index = 0; index < counts.inserts && parents.liveIds.length > 0 && targets.liveIds.length > 0; index += 1) {
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const parent = parents.get(String(random.pick(parents.liveIds))) as CrmRecord;
        const target = targets.get(String(random.pick(targets.liveIds))) as CrmRecord;
        if (this.associationsOf(spec.from, spec.to, parent.id)?.has(target.id)) continue;
        let types: AssociationType[];
        if (stream === "contact_companies") {
          types = this.associateContactCompany(parent, target);
        } else {
          const hasCompany = (this.associationsOf("deals", "companies", parent.id)?.size ?? 0) > 0;
          this.link(spec.from, parent.id, spec.to, target.id, stream === "deal_companies" && !hasCompany);
          types = this.associationsOf(spec.from, spec.to, parent.id)?.get(target.id) ?? [];
          if (stream === "deal_contacts") {
            parent.props.num_associated_contacts = String(this.associationsOf("deals", "contacts", parent.id)?.size ?? 0);
          }
        }
        this.touch(spec.from, parent, tick());
        for (const type of types) applied.inserted.push(rowKey(parent.id, target.id, type));
        break;
      }
    }
    for (let index = 0; index < counts.deletes; index += 1) {
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const parent = parents.get(String(random.pick(parents.liveIds))) as CrmRecord | undefined;
        const associated = parent ? this.associationsOf(spec.from, spec.to, parent.id) : undefined;
        if (!parent || !associated || associated.size === 0) continue;
        const toId = [...associated.keys()][random.int(0, associated.size - 1)] as string;
        const types = this.unlink(spec.from, parent.id, spec.to, toId);
        if (stream === "contact_companies" && parent.props.associatedcompanyid === toId) {
          parent.props.associatedcompanyid = null;
          parent.props.company = null;
        }
        if (stream === "deal_contacts") {
          parent.props.num_associated_contacts = String(this.associationsOf("deals", "contacts", parent.id)?.size ?? 0);
        }
        this.touch(spec.from, parent, tick());
        for (const type of types) applied.deleted.push(rowKey(parent.id, toId, type));
        break;
      }
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** `count` distinct values of `values`, chosen by the seeded generator. */
function distinctPicks(random: SeededRandom, values: readonly number[], count: number): number[] {
  const wanted = Math.min(count, values.length);
  const chosen = new Set<number>();
  while (chosen.size < wanted) chosen.add(values[random.int(0, values.length - 1)] as number);
  return [...chosen];
}

/** First index whose value is >= `value`, in an ascending array. */
export function lowerBoundOf(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((values[middle] as number) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insertSorted(values: number[], value: number): void {
  values.splice(lowerBoundOf(values, value), 0, value);
}

function removeSorted(values: number[], value: number): void {
  const index = lowerBoundOf(values, value);
  if (values[index] === value) values.splice(index, 1);
}
