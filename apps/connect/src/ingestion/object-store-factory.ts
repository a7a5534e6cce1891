import { resolve } from "node:path";
import type { StorageTarget } from "@tributary/contracts";
import { createObjectStore, type ObjectStore } from "@tributary/object-store";

export interface StorageSettings {
  /** `S3_ENDPOINT`: an S3-compatible server, addressed path-style. Unset: AWS S3 by region. */
  s3Endpoint: string | undefined;
  /** `CONNECT_LOCAL_STORAGE_DIR`: the folder behind `kind: "local"` targets. */
  localStorageDirectory: string;
}

/**
 * The store a run writes to. Bucket and credentials come per request from the backend; the endpoint
 * and the local folder are connect's own configuration, so a request can never point connect at an
 * arbitrary host or path.
 */
export function storeForTarget(target: StorageTarget, settings: StorageSettings): ObjectStore {
  if (target.kind === "local") {
    return createObjectStore({ kind: "local", root: resolve(settings.localStorageDirectory) });
  }
  return createObjectStore({
    kind: "s3",
    bucket: target.bucket,
    region: target.region,
    endpoint: settings.s3Endpoint,
    forcePathStyle: settings.s3Endpoint !== undefined,
    accessKeyId: target.access_key_id,
    secretAccessKey: target.secret_access_key,
    sessionToken: target.session_token,
  });
}
