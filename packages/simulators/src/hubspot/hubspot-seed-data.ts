/** Deterministic random values shaped like what a HubSpot account holds. */

/** mulberry32: small, fast, and the same sequence on every machine. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

/** Mixes two seeds into one, so a change batch's seed gives a stream independent of the dataset's. */
export function mixSeeds(a: number, b: number): number {
  let hash = Math.imul((a >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
  hash = Math.imul(hash ^ (b >>> 0) ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

export const firstNames = [
  "Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gustavo", "Hana", "Ibrahim", "Julia", "Kenji", "Lena", "Mateo",
  "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Samir", "Tamara", "Umar", "Valentina", "Wei", "Ximena", "Yusuf",
  "Zoe", "Aaron", "Beatriz", "Carlos", "Daria", "Emeka", "Fiona", "Georg", "Helena", "Ines", "Jonas", "Kaito", "Leila",
];

export const lastNames = [
  "Almeida", "Brandt", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Hoffmann", "Ivanova", "Jensen", "Kowalski",
  "Laurent", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka", "Umarov", "Varga",
  "Weber", "Xu", "Yilmaz", "Zimmermann", "Andersson", "Bianchi", "Costa", "Dimitrov", "Esposito", "Fernández",
];

export const companyStems = [
  "Northwind", "Bluefin", "Copperleaf", "Driftwood", "Evergreen", "Foxglove", "Granite", "Harbor", "Ironbark",
  "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchard", "Pinnacle", "Quarry", "Redwood", "Silverline",
  "Tidewater", "Umbra", "Vantage", "Willow", "Yarrow", "Zephyr", "Alder", "Beacon", "Cobalt",
];

export const companySuffixes = ["Labs", "Systems", "Logistics", "Analytics", "Health", "Foods", "Energy", "Studio", "Partners", "Robotics"];

export const industries = [
  "COMPUTER_SOFTWARE", "INFORMATION_TECHNOLOGY_AND_SERVICES", "MARKETING_AND_ADVERTISING", "FINANCIAL_SERVICES",
  "HOSPITAL_HEALTH_CARE", "RETAIL", "LOGISTICS_AND_SUPPLY_CHAIN", "FOOD_PRODUCTION", "RENEWABLES_ENVIRONMENT",
  "MANAGEMENT_CONSULTING",
];

export const companyTypes = ["PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER"];

export const lifecycleStages = [
  "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other",
];

export const leadStatuses = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"];

export const jobTitles = [
  "Head of Operations", "VP Sales", "Data Analyst", "Procurement Manager", "CTO", "Marketing Director", "Account Executive",
  "Office Manager", "Founder", "Finance Lead", "Customer Success Manager", "Software Engineer",
];

export const dealStages = [
  "appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost",
];

export const dealTypes = ["newbusiness", "existingbusiness"];
export const priorities = ["low", "medium", "high"];
export const currencies = ["USD", "EUR", "GBP"];

export const places: ReadonlyArray<{ city: string; state: string; country: string; zip: string }> = [
  { city: "Boston", state: "MA", country: "United States", zip: "02110" },
  { city: "Austin", state: "TX", country: "United States", zip: "78701" },
  { city: "Denver", state: "CO", country: "United States", zip: "80202" },
  { city: "Toronto", state: "ON", country: "Canada", zip: "M5H 2N2" },
  { city: "Dublin", state: "Leinster", country: "Ireland", zip: "D02 X285" },
  { city: "Berlin", state: "Berlin", country: "Germany", zip: "10115" },
  { city: "Lyon", state: "Auvergne-Rhône-Alpes", country: "France", zip: "69002" },
  { city: "Porto", state: "Porto", country: "Portugal", zip: "4050-001" },
  { city: "Sydney", state: "NSW", country: "Australia", zip: "2000" },
  { city: "Osaka", state: "Osaka", country: "Japan", zip: "530-0001" },
];

export const streets = ["Market Street", "Harbour Road", "Elm Avenue", "King Street", "Rue de la République", "Hauptstraße", "Station Road"];

const sentenceParts = [
  "Evaluating a replacement for their current vendor", "expanding into two new regions next quarter",
  "asked for a security review before procurement", "interested in the annual plan with premium support",
  "budget approved by finance in the last planning cycle", "pilot with the analytics team went well",
  "prefers email over calls and replies within a day", "renewal depends on the integration roadmap",
  "multi-site rollout planned after the pilot", "champion moved to a new role; re-qualify",
];

export function sentence(random: SeededRandom, parts: number): string {
  const chosen: string[] = [];
  for (let index = 0; index < parts; index += 1) chosen.push(random.pick(sentenceParts));
  const text = chosen.join("; ");
  return text.charAt(0).toUpperCase() + text.slice(1) + ".";
}

export function slug(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "");
}

export function phoneNumber(random: SeededRandom): string {
  return `+1 ${random.int(200, 989)}-${random.int(200, 999)}-${String(random.int(0, 9999)).padStart(4, "0")}`;
}

export function iso(milliseconds: number): string {
  return new Date(milliseconds).toISOString();
}
