import type { MirrorDataset, WorkspaceMirror } from "./mirror-datasets.js";
import { entitiesOf, entitiesSchema } from "./mirror-views.js";

export interface TableReference {
  schema: string | null;
  name: string;
}

/**
 * The datasets whose files a query reads, from the tables it names: a stream view is itself; a
 * source's entity view (`github.entity_people`) is the streams mapped onto the entity; a workspace
 * entity view (`entities.people`) is those of every source. Names that are not the workspace's views
 * (information_schema, a typo) need no files, nor do unqualified names: DuckDB looks those up in `main`,
 * where no view of ours lives.
 */
export function referencedDatasets(mirror: WorkspaceMirror, references: readonly TableReference[]): MirrorDataset[] {
  const byKey = new Map(mirror.datasets.map((dataset) => [`${dataset.sqlName}.${dataset.stream}`, dataset]));
  const needed = new Map<string, MirrorDataset>();
  const add = (sqlName: string, stream: string) => {
    const dataset = byKey.get(`${sqlName}.${stream}`);
    if (dataset) needed.set(`${sqlName}.${stream}`, dataset);
  };
  for (const reference of references) {
    const schema = reference.schema?.toLowerCase() ?? null;
    const name = reference.name.toLowerCase();
    if (schema === null) continue;
    if (schema === entitiesSchema) {
      for (const source of mirror.sources) {
        for (const entity of entitiesOf(source)) if (entity.name === name) entity.streams.forEach((stream) => add(source.sqlName, stream));
      }
      continue;
    }
    for (const source of mirror.sources) {
      if (source.sqlName !== schema) continue;
      add(source.sqlName, name);
      for (const entity of entitiesOf(source)) if (entity.view_name === name) entity.streams.forEach((stream) => add(source.sqlName, stream));
    }
  }
  return [...needed.values()];
}
