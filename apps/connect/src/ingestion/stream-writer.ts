import { createWriteStream, type WriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { once } from "node:events";
import { join } from "node:path";
import type { ObjectStore } from "@tributary/object-store";
import {
  columnTypeOf,
  dataFileKey,
  metadataColumns,
  widenColumnType,
  type ColumnType,
  type ManifestColumn,
  type ManifestFile,
} from "@tributary/mirror";
import type { ParquetConverter } from "./parquet-converter.js";

export interface StreamWriterOptions {
  /** Local folder for this stream's spool and Parquet files; removed by the caller after the run. */
  workDirectory: string;
  /** A part is cut when its spool reaches this many bytes of NDJSON. */
  partBytes: number;
  converter: ParquetConverter;
  store: ObjectStore;
  /** Key prefix of the stream's folder in the store (ends with `/`). */
  streamFolder: string;
  runId: string;
  /** Manifest version this run will commit; stamped on every row so later versions win. */
  version: number;
  primaryKey: string[];
  signal: AbortSignal;
}

interface OpenPart {
  index: number;
  path: string;
  out: WriteStream;
  bytes: number;
  rows: number;
  /** Column types seen in this part: the part's Parquet schema. */
  columns: Map<string, ColumnType | undefined>;
  /** A write error of the spool file (disk full), rethrown by the next write. */
  failure?: Error;
}

const reservedPrefix = "_tributary_";

/**
 * Spools a stream's records to local NDJSON and cuts it into Parquet parts uploaded to the store, one
 * part converting and uploading while the next one fills, so memory stays bounded whatever the
 * stream's size. Nothing it uploads is visible to readers until the run commits the manifest.
 */
export class StreamWriter {
  private part: OpenPart | undefined;
  private partCount = 0;
  private seq = 0;
  private pending: Promise<void> | undefined;
  private readonly written: ManifestFile[] = [];
  private readonly uploadedKeys: string[] = [];
  /** Reused across pages: each page's NDJSON is encoded here before an exact-size copy is written. */
  private scratch: Buffer = Buffer.allocUnsafe(0);
  /** Column types across the whole run, widened as each part is cut. */
  readonly columns = new Map<string, ColumnType | undefined>();
  bytesWritten = 0;

  constructor(private readonly options: StreamWriterOptions) {}

  async addRecords(records: Record<string, unknown>[]): Promise<void> {
    await this.writeBatch(records, false);
  }

  /** Tombstones: the primary-key fields of records the provider says are gone. */
  async addDeletions(keys: Record<string, unknown>[]): Promise<void> {
    const tombstones = keys.map((key) => {
      const tombstone: Record<string, unknown> = {};
      for (const field of this.options.primaryKey) tombstone[field] = key[field];
      return tombstone;
    });
    await this.writeBatch(tombstones, true);
  }

  /** Flushes the last part and waits for every upload; returns the files this run wrote. */
  async finish(): Promise<ManifestFile[]> {
    await this.cutPart();
    await this.pending;
    return this.written;
  }

  /** The keys this run uploaded, for deletion when the run does not commit. */
  get uploaded(): readonly string[] {
    return this.uploadedKeys;
  }

  /** Widened types of the run's columns; undefined for a column that was only ever null in this run. */
  runColumns(): Array<{ name: string; type: ColumnType | undefined }> {
    return [...this.columns].map(([name, type]) => ({ name, type }));
  }

  /** Appends a page of records to the open part as NDJSON, in one write, and cuts the part when full. */
  private async writeBatch(records: Record<string, unknown>[], deleted: boolean): Promise<void> {
    if (records.length === 0) return;
    const part = this.part ?? this.openPart();
    if (part.failure) throw part.failure;
    const columns = part.columns;
    const metaPrefix = deleted ? `{"${metadataColumns.deleted}":true,"${metadataColumns.seq}":` : `{"${metadataColumns.seq}":`;
    const bodies: string[] = new Array(records.length);
    let maxBytes = 0;
    for (let index = 0; index < records.length; index += 1) {
      const record = records[index]!;
      for (const key in record) {
        const known = columns.get(key);
        // Fast path: text and JSON columns cannot widen further through a scalar, so most values of
        // most columns skip type detection (and its timestamp pattern) entirely.
        if (known === "JSON") continue;
        const value = record[key];
        if (known === "VARCHAR" && (typeof value !== "object" || value === null)) continue;
        const type = columnTypeOf(value);
        if (type === undefined) {
          if (known === undefined && !columns.has(key)) {
            if (key.startsWith(reservedPrefix)) continue;
            columns.set(key, undefined);
          }
        } else if (known !== type) {
          if (key.startsWith(reservedPrefix)) continue;
          columns.set(key, widenColumnType(known, type));
        }
      }
      const body = JSON.stringify(record);
      bodies[index] = body;
      // UTF-8 takes at most 3 bytes per UTF-16 unit; the metadata prefix is short.
      maxBytes += body.length * 3 + metaPrefix.length + 24;
    }
    // Encoding the lines piece by piece into one buffer is several times faster than building one
    // string per page and encoding it (measured: 0.6 s against 3.6 s for 100,000 GitHub issues), and
    // it counts the bytes exactly on the way.
    if (this.scratch.length < maxBytes) this.scratch = Buffer.allocUnsafe(Math.max(maxBytes, this.scratch.length * 2));
    const chunk = this.scratch;
    let offset = 0;
    const prefixBytes = Buffer.from(metaPrefix, "latin1");
    for (const body of bodies) {
      this.seq += 1;
      const seqText = String(this.seq);
      const headerLength = prefixBytes.length + seqText.length;
      if (body === "{}") {
        offset += chunk.write(`${metaPrefix}${seqText}}\n`, offset, "latin1");
        continue;
      }
      // The metadata is spliced into the record's own serialisation without copying it: the body goes
      // where its "{" falls on the header's last byte + 1, which a comma then overwrites. The header is
      // copied and its digits set byte by byte: a Buffer.write call per record costs more than both.
      const bodyBytes = chunk.write(body, offset + headerLength, "utf8");
      prefixBytes.copy(chunk, offset);
      for (let digit = 0; digit < seqText.length; digit += 1) chunk[offset + prefixBytes.length + digit] = seqText.charCodeAt(digit);
      chunk[offset + headerLength] = 0x2c; // ","
      offset += headerLength + bodyBytes;
      chunk[offset] = 0x0a; // "\n"
      offset += 1;
    }
    part.bytes += offset;
    part.rows += records.length;
    // The stream keeps what it is given until written, so it gets an exact-size copy and the scratch
    // buffer is reused: a worst-case-sized buffer per page made V8 collect garbage far more often.
    if (!part.out.write(Buffer.from(chunk.subarray(0, offset)))) await once(part.out, "drain");
    if (part.bytes >= this.options.partBytes) await this.cutPart();
  }

  private openPart(): OpenPart {
    this.partCount += 1;
    const path = join(this.options.workDirectory, `part-${String(this.partCount).padStart(5, "0")}.ndjson`);
    const part: OpenPart = {
      index: this.partCount,
      path,
      out: createWriteStream(path, { highWaterMark: 1024 * 1024 }),
      bytes: 0,
      rows: 0,
      columns: new Map(),
    };
    // Kept, not thrown from an event: the next write rethrows it into the run, which fails the stream.
    part.out.on("error", (error) => {
      part.failure ??= error;
    });
    this.part = part;
    return part;
  }

  private async cutPart(): Promise<void> {
    const part = this.part;
    if (!part) return;
    this.part = undefined;
    for (const [name, type] of part.columns) {
      const before = this.columns.get(name);
      if (type === undefined) {
        if (!this.columns.has(name)) this.columns.set(name, undefined);
      } else if (before !== type) {
        this.columns.set(name, widenColumnType(before, type));
      }
    }
    part.out.end();
    await once(part.out, "finish");
    // One part converts and uploads while the next fills; wait for the previous before starting another.
    await this.pending;
    this.options.signal.throwIfAborted();
    const finalizing = this.finalizePart(part);
    // Observed here so a failure is never "unhandled" while the reader is between awaits; it is
    // rethrown by the next `cutPart` or by `finish`.
    finalizing.catch(() => undefined);
    this.pending = finalizing;
  }

  /** Stops writing without committing: waits for the part in flight and removes local files. */
  async discard(): Promise<void> {
    await this.pending?.catch(() => undefined);
    const part = this.part;
    this.part = undefined;
    if (part) {
      part.out.destroy();
      await rm(part.path, { force: true });
    }
  }

  private async finalizePart(part: OpenPart): Promise<void> {
    const parquetPath = part.path.replace(/\.ndjson$/, ".parquet");
    const columns: ManifestColumn[] = [...part.columns].map(([name, type]) => ({ name, type: type ?? "VARCHAR" }));
    try {
      const rows = await this.options.converter.convert(part.path, parquetPath, columns, this.options.version);
      await rm(part.path, { force: true });
      const relativeKey = dataFileKey(this.options.runId, part.index);
      const key = `${this.options.streamFolder}${relativeKey}`;
      this.options.signal.throwIfAborted();
      const uploaded = await this.options.store.putFile(key, parquetPath, {
        contentType: "application/vnd.apache.parquet",
        signal: this.options.signal,
      });
      this.uploadedKeys.push(key);
      this.bytesWritten += uploaded.size;
      this.written.push({ key: relativeKey, rows, bytes: uploaded.size, run_id: this.options.runId, version: this.options.version });
    } finally {
      await rm(part.path, { force: true });
      await rm(parquetPath, { force: true });
    }
  }
}
