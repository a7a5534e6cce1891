/**
 * Where a mirror lives in object storage:
 * `{prefix}{workspace}/{connection}/{stream}/_manifest.json`, `…/manifests/v000001.json`,
 * `…/data/{run_id}/part-00001.parquet`. Keys are relative to the bucket (S3) or the root folder (local).
 */
export interface StreamLocation {
  prefix: string;
  workspaceId: string;
  connectionId: string;
  stream: string;
}

/** Path segments that can never escape their folder or collide with the layout's own names. */
export const pathSegmentPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Empty, or segments each ending with a slash: `tributary/`, `prod/tributary/`. */
export const prefixPattern = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,127}\/)*$/;

export const metadataColumns = {
  version: "_tributary_version",
  seq: "_tributary_seq",
  deleted: "_tributary_deleted",
} as const;

export function streamFolder(location: StreamLocation): string {
  return `${location.prefix}${location.workspaceId}/${location.connectionId}/${location.stream}/`;
}

export function manifestKey(location: StreamLocation): string {
  return `${streamFolder(location)}_manifest.json`;
}

export function versionedManifestKey(location: StreamLocation, version: number): string {
  return `${streamFolder(location)}manifests/v${String(version).padStart(6, "0")}.json`;
}

export function dataFileKey(runId: string, part: number): string {
  return `data/${runId}/part-${String(part).padStart(5, "0")}.parquet`;
}
