import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { bearerToken } from "../core/simulator-server.js";
import type { GithubDataset } from "./github-dataset.js";
import { githubMaxPerPage } from "./github-pagination.js";
import { GithubRateLimits } from "./github-rate-limit.js";
import type { GithubRateLimitOptions, GithubTokenGrant } from "./github-types.js";
import type { GithubWorld, GithubCaller } from "./github-world.js";

/** A provider-specific fault: GitHub's secondary rate limit, which the generic `rate_limit` fault does not cover. */
export interface GithubSecondaryLimitSpec {
  /** How many matching requests are refused (default 1). */
  times?: number;
  /** Sent as `retry-after` (default 60). */
  retryAfterSeconds?: number;
  /** GitHub answers 403 or 429 (default 403). */
  status?: 403 | 429;
  pathPrefix?: string;
}

/** What the client sent beside its credential, so tests can pin the API version and media type. */
export interface GithubClientHeaders {
  path: string;
  apiVersion: string | undefined;
  accept: string | undefined;
}

export const supportedApiVersions = ["2022-11-28", "2026-03-10"] as const;
export const defaultApiVersion = "2022-11-28";
const maxRecordedClientHeaders = 1000;

/** Everything one simulator instance remembers between requests. */
export class GithubSimulatorState {
  readonly world: GithubWorld;
  readonly rateLimits: GithubRateLimits;
  /** The seeded data behind the listing routes; undefined for an empty world. */
  dataset: GithubDataset | undefined;
  readonly clientHeaders: GithubClientHeaders[] = [];
  private readonly callers = new WeakMap<FastifyRequest, GithubCaller>();
  private secondaryLimits: Array<GithubSecondaryLimitSpec & { remaining: number }> = [];

  constructor(world: GithubWorld, rateLimits: GithubRateLimitOptions = {}) {
    this.world = world;
    this.rateLimits = new GithubRateLimits(rateLimits);
  }

  /** The page-size cap of every listing. */
  get maxPerPage(): number {
    return this.dataset?.maxPerPage ?? githubMaxPerPage;
  }

  /** Keeps the latest requests only: a demo simulator runs for hours. */
  recordClientHeaders(entry: GithubClientHeaders): void {
    this.clientHeaders.push(entry);
    if (this.clientHeaders.length > maxRecordedClientHeaders) this.clientHeaders.shift();
  }

  addToken(token: string, grant: GithubTokenGrant): void {
    this.world.addToken(token, grant);
    if (grant.rateLimit) {
      const caller: GithubCaller = { kind: "token", grant };
      this.rateLimits.override(caller, this.world.userOf(caller)?.id, grant.rateLimit);
    }
  }

  /**
   * The caller behind a request: `bad_credentials` when an Authorization header carries a token GitHub
   * does not know (or one past its expiry), anonymous when there is no header at all.
   */
  resolveCaller(request: FastifyRequest): GithubCaller | "bad_credentials" {
    if (!request.headers.authorization) return { kind: "anonymous", address: request.ip };
    const token = bearerToken(request);
    const grant = token ? this.world.grant(token) : undefined;
    if (!grant) return "bad_credentials";
    if (grant.expiresAt && Date.parse(grant.expiresAt) <= Date.now()) return "bad_credentials";
    return { kind: "token", grant };
  }

  rememberCaller(request: FastifyRequest, caller: GithubCaller): void {
    this.callers.set(request, caller);
  }

  /** The caller the gate resolved for this request; routes run only after the gate let it through. */
  callerOf(request: FastifyRequest): GithubCaller {
    return this.callers.get(request) ?? { kind: "anonymous", address: request.ip };
  }

  armSecondaryLimit(spec: GithubSecondaryLimitSpec): void {
    this.secondaryLimits.push({ ...spec, remaining: spec.times ?? 1 });
  }

  takeSecondaryLimit(path: string): GithubSecondaryLimitSpec | undefined {
    const armed = this.secondaryLimits.find((spec) => !spec.pathPrefix || path.startsWith(spec.pathPrefix));
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.secondaryLimits = this.secondaryLimits.filter((spec) => spec !== armed);
    return armed;
  }

  clearSecondaryLimits(): void {
    this.secondaryLimits = [];
  }
}

/** GitHub's request ids look like `CC39:3E1F48:2102B6:2C9AFB:6AB345D6`. */
export function newRequestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString("hex").toUpperCase();
  return [hex(2), hex(3), hex(3), hex(3), hex(4)].join(":");
}

export function requestPath(request: FastifyRequest): string {
  const index = request.url.indexOf("?");
  return index === -1 ? request.url : request.url.slice(0, index);
}

/** The simulator's own address, for URLs in bodies and `Link` headers. */
export function apiUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? "127.0.0.1"}`;
}

export function sendGithubJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header("content-type", "application/json; charset=utf-8").send(JSON.stringify(body));
}
