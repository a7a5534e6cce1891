import { catalogueSchema, type Catalogue } from "@tributary/contracts";
import type { StreamLocation } from "@tributary/mirror";
import type { ObjectStore } from "@tributary/object-store";

export type ConnectionLocation = Omit<StreamLocation, "stream">;

/**
 * `{prefix}{workspace}/{connection}/_catalogue.json`: next to the connection's stream folders. Stream
 * names start with a letter or digit, so no stream folder can collide with it.
 */
export function catalogueKey(location: ConnectionLocation): string {
  return `${location.prefix}${location.workspaceId}/${location.connectionId}/_catalogue.json`;
}

/** The stored catalogue, or undefined when there is none or it is not one this version can read. */
export async function readCatalogue(store: ObjectStore, location: ConnectionLocation, signal?: AbortSignal): Promise<Catalogue | undefined> {
  const bytes = await store.getBytes(catalogueKey(location), { signal });
  if (!bytes) return undefined;
  try {
    const parsed = catalogueSchema.safeParse(JSON.parse(Buffer.from(bytes).toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeCatalogue(store: ObjectStore, location: ConnectionLocation, catalogue: Catalogue, signal?: AbortSignal): Promise<string> {
  const key = catalogueKey(location);
  await store.putBytes(key, JSON.stringify(catalogue, null, 2), { contentType: "application/json", signal });
  return key;
}
