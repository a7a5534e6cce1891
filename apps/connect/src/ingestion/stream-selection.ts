import type { z } from "zod";
import type { streamSelectionSchema } from "@tributary/contracts";
import { ConnectorError, selectStreams, type AnyConnector } from "@tributary/connectors";
import type { SelectedStream } from "./ingestion-run.js";

type StreamSelection = z.infer<typeof streamSelectionSchema>;

/**
 * The streams a run reads and how: every stream by default; incrementally where the stream supports
 * it unless the caller asks for a full refresh. Asking a full-refresh-only stream for an incremental
 * read is a `bad_request` naming the entry.
 */
export function resolveStreamSelection(connector: AnyConnector, selection: StreamSelection[] | undefined): SelectedStream[] {
  const entries = selection?.map((entry) => (typeof entry === "string" ? { name: entry } : entry));
  const declarations = selectStreams(connector, entries?.map((entry) => entry.name));
  const seen = new Set<string>();
  return declarations.map((declaration, index) => {
    if (seen.has(declaration.name)) {
      throw new ConnectorError("bad_request", `streams.${index}: stream "${declaration.name}" is listed twice`, { field: `streams.${index}` });
    }
    seen.add(declaration.name);
    const requested = entries?.[index]?.sync_mode;
    const supportsIncremental = declaration.syncModes.includes("incremental");
    if (requested === "incremental" && !supportsIncremental) {
      throw new ConnectorError(
        "bad_request",
        `streams.${index}.sync_mode: stream "${declaration.name}" supports only full_refresh`,
        { field: `streams.${index}.sync_mode` },
      );
    }
    return { declaration, syncMode: requested ?? (supportsIncremental ? "incremental" : "full_refresh") };
  });
}
