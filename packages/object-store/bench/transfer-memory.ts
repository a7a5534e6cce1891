/**
 * Peak RSS growth of one putFile and one getToFile through the S3 adapter, against the s3rver test
 * server (in its own process, so its memory is not counted). Shows that memory depends on the part size
 * and queue size, not on the file size.
 *
 *   npx tsx packages/object-store/bench/transfer-memory.ts [fileMiB=300] [partMiB=8] [queueSize=2]
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3ObjectStore, startS3TestServer } from "../src/index.js";

const [fileMiB = 300, partMiB = 8, queueSize = 2] = process.argv.slice(2).map(Number);
const mebibyte = 1024 * 1024;

const folder = await mkdtemp(join(tmpdir(), "object-store-bench-"));
const source = join(folder, "source.bin");
const handle = await open(source, "w");
const block = randomBytes(mebibyte);
for (let index = 0; index < fileMiB; index += 1) await handle.write(block);
await handle.close();

const server = await startS3TestServer();
const store = new S3ObjectStore({
  bucket: server.bucket,
  region: server.region,
  endpoint: server.endpoint,
  accessKeyId: server.accessKeyId,
  secretAccessKey: server.secretAccessKey,
  partSizeBytes: partMiB * mebibyte,
  queueSize,
});

async function measure(label: string, task: () => Promise<unknown>): Promise<void> {
  // Warm the client (TLS-free here, but the SDK loads lazily) so the figure is the transfer's own.
  await store.head("warm-up");
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  await task();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(
    `${label}: ${fileMiB} MiB in ${seconds.toFixed(2)} s (${(fileMiB / seconds).toFixed(0)} MiB/s), ` +
      `peak RSS growth ${((peak - base) / mebibyte).toFixed(0)} MiB (part ${partMiB} MiB, queue ${queueSize})\n`,
  );
}

try {
  await measure("putFile", () => store.putFile("bench/object.bin", source));
  await measure("getToFile", () => store.getToFile("bench/object.bin", join(folder, "copy.bin")));
} finally {
  await store.close();
  await server.close();
  await rm(folder, { recursive: true, force: true });
}
