import pLimit, { type LimitFunction } from "p-limit";
import { scanJsonArray, type ScannedObject } from "@tributary/mirror";
import { ConnectorError } from "../core/connector-errors.js";
import type { ReadContext } from "../core/connector-types.js";
import { ProviderHttpClient } from "../core/provider-http.js";
import { readHttpOptions } from "../core/read-helpers.js";
import { githubApiVersion, githubMediaType } from "./github-api.js";
import { createGithubClassifier } from "./github-classify.js";
import type { GithubConfig, GithubCredentials } from "./github-config.js";
import { githubErrorMessage } from "./github-error-body.js";

export type GithubReadContext = ReadContext<GithubCredentials, GithubConfig>;

/** GitHub's page-size cap for every listing the connector reads ("The number of results per page (max 100)"). */
export const githubPageSize = 100;

/**
 * Requests in flight at once per stream. GitHub asks integrations to avoid concurrent bursts (secondary
 * limits start at 100 concurrent requests); four keeps several repositories moving without nearing that.
 */
export const githubReadConcurrency = 4;

/** A listing page kept as bytes: its objects located, the fields a reader needs decoded. */
export interface ScannedPage {
  bytes: Buffer;
  objects: ScannedObject[];
}

/**
 * One answer of a listing: the parsed body (a `ScannedPage` when the reader asked for the page
 * unparsed and GitHub answered 2xx), its validator, and the next page GitHub's `Link` header names.
 */
export interface GithubPage {
  status: number;
  body: unknown;
  etag: string | undefined;
  /** The `rel="next"` target, relative to the API base URL; undefined on the last page. */
  next: string | undefined;
  /** The request this page answers, relative to the API base URL: the key an ETag is kept under. */
  url: string;
}

/**
 * Statuses a reader interprets itself: 304 (the conditional request matched), and the answers that
 * concern one repository rather than the run (404 gone or hidden, 403 SSO or blocked, 409 empty
 * repository, 451 unavailable for legal reasons).
 */
const readerStatuses = [304, 403, 404, 409, 451] as const;

/**
 * GitHub's REST API as stream readers call it: versioned media type, page URLs relative to the API
 * base (so GitHub Enterprise Server's `/api/v3` prefix and ETag keys stay stable), `If-None-Match`
 * when the reader has a validator, and at most `githubReadConcurrency` requests in flight.
 */
export class GithubReadClient {
  private readonly http: ProviderHttpClient;
  private readonly limit: LimitFunction;
  private readonly base: string;

  constructor(context: GithubReadContext, concurrency = githubReadConcurrency) {
    this.base = context.config.api_base_url.replace(/\/+$/, "");
    this.limit = pLimit(concurrency);
    this.http = new ProviderHttpClient({
      provider: "GitHub",
      baseUrl: this.base,
      authHeaders: { authorization: `Bearer ${context.credentials.token}` },
      classify: createGithubClassifier({
        passThrough: readerStatuses,
        invalidCredentialsAdvice: "Create a new token and paste it again.",
      }),
      ...readHttpOptions(context),
    });
  }

  /**
   * GETs a URL relative to the API base (`/repos/o/r/issues?…`), conditionally when `etag` is given.
   * With `scanFields`, a successful answer is kept unparsed: its body is a `ScannedPage` whose objects
   * carry those fields' values.
   */
  async get(url: string, etag?: string, scanFields?: readonly string[]): Promise<GithubPage> {
    const headers: Record<string, string> = { accept: githubMediaType, "x-github-api-version": githubApiVersion };
    if (etag) headers["if-none-match"] = etag;
    const decodeBody = scanFields ? (bytes: Buffer) => scanListing(bytes, scanFields) : undefined;
    const response = await this.limit(() => this.http.request({ path: url, headers, decodeBody }));
    return {
      status: response.status,
      body: response.body,
      etag: response.headers.get("etag") ?? undefined,
      next: this.relative(nextLink(response.headers.get("link"))),
      url,
    };
  }

  /**
   * Makes a `Link` target relative to the API base. A target on another origin is refused: the token
   * is sent with every request, and only the API it was given for may receive it.
   */
  private relative(target: string | undefined): string | undefined {
    if (!target) return undefined;
    if (target.startsWith(`${this.base}/`)) return target.slice(this.base.length);
    const base = new URL(this.base);
    const url = new URL(target, this.base);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname.replace(/\/+$/, ""))) {
      throw new ConnectorError(
        "provider_error",
        `GitHub's Link header points outside the API (${url.origin}); refusing to send the token there`,
      );
    }
    return url.pathname.slice(base.pathname.replace(/\/+$/, "").length) + url.search;
  }
}

/** Reads the `rel="next"` target of a `Link` header (`<url>; rel="next", <url>; rel="last"`). */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^<([^>]+)>(.*)$/.exec(part.trim());
    const rel = match ? /;\s*rel="?([^";]+)"?/.exec(match[2] ?? "") : null;
    if (match && rel?.[1]?.trim().split(/\s+/).includes("next")) return match[1];
  }
  return undefined;
}

/** A relative URL with parameters in a fixed order, so the same request always has the same key. */
export function listingUrl(path: string, query: Record<string, string | number | undefined>): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) parameters.set(name, String(value));
  const search = parameters.toString();
  return search ? `${path}?${search}` : path;
}

export function repositoryPath(fullName: string): string {
  const [owner = "", name = ""] = fullName.split("/");
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}

/** The items of a listing that answers a JSON array; anything else means the base URL is not GitHub's API. */
export function pageItems(page: GithubPage, what: string): Array<Record<string, unknown>> {
  if (Array.isArray(page.body)) return page.body as Array<Record<string, unknown>>;
  throw new ConnectorError(
    "provider_error",
    `The answer to ${what} is not a list as GitHub's REST API returns; check that api_base_url is https://api.github.com or https://HOSTNAME/api/v3`,
    { providerStatus: page.status },
  );
}

/** The scanned objects of a listing page asked for unparsed (see `pageItems`). */
export function scannedPageItems(page: GithubPage, what: string): ScannedPage {
  if (page.body instanceof ScannedListing) return page.body;
  pageItems(page, what); // Not an array: refused there, with the advice about api_base_url.
  throw new ConnectorError("provider_error", `The answer to ${what} could not be read`, { providerStatus: page.status });
}

class ScannedListing implements ScannedPage {
  constructor(
    readonly bytes: Buffer,
    readonly objects: ScannedObject[],
  ) {}
}

/** A listing's bytes scanned when they are a JSON array; anything else parsed, for `pageItems` to refuse. */
function scanListing(bytes: Buffer, fields: readonly string[]): unknown {
  let first = 0;
  while (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d || bytes[first] === 0x09) first += 1;
  if (bytes[first] !== 0x5b) return JSON.parse(bytes.toString("utf8"));
  return new ScannedListing(bytes, scanJsonArray(bytes, fields));
}

/** Refuses an answer a reader did not expect, with GitHub's own words. */
export function unexpectedStatus(page: GithubPage, what: string): ConnectorError {
  const said = githubErrorMessage(page.body);
  return new ConnectorError("provider_error", `GitHub answered ${what} with HTTP ${page.status}${said ? `: ${said}` : ""}`, {
    providerStatus: page.status,
  });
}
