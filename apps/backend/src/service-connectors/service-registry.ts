import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";

/** Where the registry shipped with Tributary lives (docs/service-connectors/registry.json). */
export const defaultRegistryPath = resolve(dirname(new URL(import.meta.url).pathname), "../../../../docs/service-connectors/registry.json");

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: "must be an upper-case environment variable name (A-Z, 0-9, _)" });

/** Written single-quoted into `.env` files as the service's base URL: no quote, space or control character. */
const httpUrl = z
  .url({ error: "must be an http(s) URL" })
  .refine((value) => /^https?:\/\//.test(value), { error: "must be an http(s) URL" })
  .refine((value) => !/['"\s\\$`]/.test(value) && ![...value].some((char) => char.charCodeAt(0) < 0x20), { error: "must not contain quotes, spaces or control characters" });

/** One internal service as the registry declares it. */
export const registryEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, { error: "must be a lower-case id: letters, digits and _ (it names SC_SECRET_<ID> and sc_<id>.md)" }),
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().min(1).max(2000),
    base_url: httpUrl,
    health_url: httpUrl,
    env: z.object({ api_key: envName, base_url: envName }).strict(),
    skill_file: z.string().regex(/^sc_[a-z0-9_]+\.md$/, { error: "must be a file name like sc_<service>.md, next to the registry" }),
    ttl_days: z.number().int().min(1).max(365),
  })
  .strict();

export type RegistryEntry = z.infer<typeof registryEntrySchema>;

/** A service ready to be connected (or why not): the entry, its skill's text, and its shared secret. */
export interface RegisteredService extends RegistryEntry {
  skill: string;
  /** `SC_SECRET_<ID>`; undefined lists the service as unavailable. */
  secret: string | undefined;
  unavailableReason: string | null;
}

export class RegistryError extends Error {
  override name = "RegistryError";
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\./.test(host);
}

/**
 * Reads and validates the registry at start: one error listing every bad entry (by index and id, with
 * the field), so a typo stops the backend with a message that says where. A service without its
 * secret is not an error: it is listed as unavailable. Plain HTTP is refused except to loopback or when
 * `allowInsecureHttp` is set: the exchange carries the shared secret and the issued key.
 */
export function loadServiceRegistry(options: { path: string; environment: NodeJS.ProcessEnv; allowInsecureHttp: boolean }): RegisteredService[] {
  let text: string;
  try {
    text = readFileSync(options.path, "utf8");
  } catch (error) {
    throw new RegistryError(`service connector registry ${options.path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RegistryError(`service connector registry ${options.path}: is not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new RegistryError(`service connector registry ${options.path}: must be a JSON array of services`);

  const problems: string[] = [];
  const services: RegisteredService[] = [];
  const seen = new Set<string>();
  parsed.forEach((raw, index) => {
    const label = `entry ${index}${typeof raw === "object" && raw !== null && typeof (raw as { id?: unknown }).id === "string" ? ` (${(raw as { id: string }).id})` : ""}`;
    const entry = registryEntrySchema.safeParse(raw);
    if (!entry.success) {
      for (const issue of entry.error.issues) problems.push(`${label}: ${issue.path.join(".") || "entry"} ${issue.message}`);
      return;
    }
    const service = entry.data;
    if (seen.has(service.id)) problems.push(`${label}: id is used twice`);
    seen.add(service.id);
    for (const field of ["base_url", "health_url"] as const) {
      if (service[field].startsWith("http://") && !isLoopback(service[field]) && !options.allowInsecureHttp) {
        problems.push(`${label}: ${field} must be https (plain http only to loopback, or with SERVICE_CONNECTORS_ALLOW_HTTP=true)`);
      }
    }
    const skillPath = isAbsolute(service.skill_file) ? service.skill_file : join(dirname(options.path), service.skill_file);
    let skill = "";
    try {
      skill = readFileSync(skillPath, "utf8");
    } catch {
      problems.push(`${label}: skill_file ${service.skill_file} cannot be read next to the registry`);
    }
    const secret = options.environment[secretVariable(service.id)] || undefined;
    services.push({ ...service, skill, secret, unavailableReason: secret ? null : `${secretVariable(service.id)} is not set on the backend` });
  });
  if (problems.length > 0) throw new RegistryError(`service connector registry ${options.path}: ${problems.join("; ")}`);
  return services;
}

/** The environment variable holding a service's shared secret. */
export function secretVariable(serviceId: string): string {
  return `SC_SECRET_${serviceId.toUpperCase()}`;
}
