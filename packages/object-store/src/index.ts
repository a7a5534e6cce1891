export type {
  DownloadResult,
  GetOptions,
  ListedObject,
  ObjectInfo,
  ObjectStore,
  PutOptions,
  PutResult,
} from "./object-store.js";
export {
  ObjectStoreError,
  isObjectStoreError,
  type ObjectStoreErrorCode,
  type ObjectStoreErrorDetails,
  type ObjectStoreOperation,
} from "./object-store-error.js";
export { keyProblem, prefixProblem } from "./object-keys.js";
export {
  objectStoreConfigSchema,
  type LocalStoreConfig,
  type ObjectStoreConfig,
  type S3StoreConfig,
} from "./store-config.js";
export { createObjectStore } from "./create-object-store.js";
export { S3ObjectStore, type S3ObjectStoreOptions } from "./s3-object-store.js";
export { LocalFolderObjectStore, type LocalFolderObjectStoreOptions } from "./local-folder-object-store.js";
// Test support, for this package's tests and the ingestion engine's. It imports nothing from s3rver
// (that runs in a child process), so production bundles that include this index stay free of it.
export {
  startS3TestServer,
  type S3Fault,
  type S3FaultResponse,
  type S3Operation,
  type S3TestServer,
  type S3TestServerOptions,
  type S3TestServerStats,
} from "./testing/s3-test-server.js";
