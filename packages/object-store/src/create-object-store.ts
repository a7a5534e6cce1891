import { LocalFolderObjectStore } from "./local-folder-object-store.js";
import type { ObjectStore } from "./object-store.js";
import { S3ObjectStore } from "./s3-object-store.js";
import { objectStoreConfigSchema, type ObjectStoreConfig } from "./store-config.js";

/**
 * The one place an adapter is chosen, from configuration alone. The config is validated again here so a
 * hand-built object gets the same clear errors as one parsed from the environment.
 */
export function createObjectStore(config: ObjectStoreConfig): ObjectStore {
  const valid = objectStoreConfigSchema.parse(config);
  switch (valid.kind) {
    case "s3": {
      const { kind: _kind, ...options } = valid;
      return new S3ObjectStore(options);
    }
    case "local":
      return new LocalFolderObjectStore({ root: valid.root, ...(valid.prefix === undefined ? {} : { prefix: valid.prefix }) });
  }
}
