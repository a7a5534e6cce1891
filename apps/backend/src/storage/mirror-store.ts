import { createObjectStore, type ObjectStore } from "@tributary/object-store";
import type { BackendConfig } from "../config.js";

/**
 * The object store the mirror lives in, opened with the backend's own credentials: the local folder
 * connect writes in embedded mode, or the bucket in production. The caller closes it.
 */
export function openMirrorStore(storage: BackendConfig["objectStorage"]): ObjectStore {
  if (storage.kind === "local") return createObjectStore({ kind: "local", root: storage.directory });
  return createObjectStore({
    kind: "s3",
    bucket: storage.bucket,
    region: storage.region,
    endpoint: storage.endpoint,
    forcePathStyle: storage.endpoint !== undefined,
    accessKeyId: storage.accessKeyId,
    secretAccessKey: storage.secretAccessKey,
  });
}
