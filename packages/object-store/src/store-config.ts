import { z } from "zod";
import { prefixProblem } from "./object-keys.js";

/** S3's multipart minimum part size (every part but the last). */
export const minPartSizeBytes = 5 * 1024 * 1024;

const prefixSchema = z.string().superRefine((prefix, context) => {
  const problem = prefixProblem(prefix);
  if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
});

const s3StoreConfigSchema = z
  .object({
    kind: z.literal("s3"),
    bucket: z.string().regex(/^[^/\s]+$/, "must be a bucket name (no '/', no spaces)"),
    /** Plain string prefix of every key ("tributary/" or "prod-"); nothing is inserted between it and the key. */
    prefix: prefixSchema.optional(),
    region: z.string().min(1),
    /** S3-compatible server (MinIO, s3rver, Ceph): path-style addressing unless `forcePathStyle` says otherwise. */
    endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    /** Static credentials; without them the SDK's default chain (environment, instance role) applies. */
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    forcePathStyle: z.boolean().optional(),
    /** Attempts per request, first included, with the SDK's standard retry mode (default 5). */
    maxAttempts: z.number().int().min(1).max(20).optional(),
    /** Multipart part size (default 8 MiB); memory per upload is about `partSizeBytes × (queueSize + 1)`. */
    partSizeBytes: z.number().int().min(minPartSizeBytes).max(5 * 1024 ** 3).optional(),
    /** Parts uploaded concurrently per file (default 2). */
    queueSize: z.number().int().min(1).max(16).optional(),
  })
  .strict();

const localStoreConfigSchema = z
  .object({
    kind: z.literal("local"),
    /** Folder holding the objects; created on first write. */
    root: z.string().min(1),
    prefix: prefixSchema.optional(),
  })
  .strict();

/**
 * Which object store to use and how to reach it. Error messages name the field and never echo values,
 * so a malformed secret is not printed.
 */
export const objectStoreConfigSchema = z
  .discriminatedUnion("kind", [s3StoreConfigSchema, localStoreConfigSchema])
  .superRefine((config, context) => {
    if (config.kind !== "s3") return;
    const hasKey = config.accessKeyId !== undefined;
    const hasSecret = config.secretAccessKey !== undefined;
    if (hasKey !== hasSecret) {
      context.addIssue({
        code: "custom",
        path: [hasKey ? "secretAccessKey" : "accessKeyId"],
        message: "accessKeyId and secretAccessKey go together",
      });
    }
    if (config.sessionToken !== undefined && !hasKey) {
      context.addIssue({ code: "custom", path: ["sessionToken"], message: "a session token needs accessKeyId and secretAccessKey" });
    }
  });

export type ObjectStoreConfig = z.infer<typeof objectStoreConfigSchema>;
export type S3StoreConfig = Extract<ObjectStoreConfig, { kind: "s3" }>;
export type LocalStoreConfig = Extract<ObjectStoreConfig, { kind: "local" }>;
