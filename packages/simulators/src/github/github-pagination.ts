import type { FastifyReply, FastifyRequest } from "fastify";

const defaultPerPage = 30;
/** GitHub's cap: "The number of results per page (max 100)". A larger `per_page` is lowered to it, not refused. */
export const githubMaxPerPage = 100;

/** The slice of a listing one request asks for. */
export interface PageWindow {
  page: number;
  perPage: number;
  /** Index of the first item of the page in the whole listing. */
  start: number;
  /** One past the last item of the page (never beyond `total`). */
  end: number;
  total: number;
}

/**
 * GitHub's page-number pagination: `per_page` (default 30, at most the cap) and `page` (from 1).
 * Unreadable values fall back to the defaults rather than failing, as GitHub's listings do.
 */
export function pageWindow(request: FastifyRequest, total: number, maxPerPage: number = githubMaxPerPage): PageWindow {
  const query = request.query as Record<string, string | undefined>;
  const perPage = clamp(Number.parseInt(query.per_page ?? "", 10), Math.min(defaultPerPage, maxPerPage), 1, maxPerPage);
  const page = clamp(Number.parseInt(query.page ?? "", 10), 1, 1, Number.MAX_SAFE_INTEGER);
  const start = Math.min(total, (page - 1) * perPage);
  return { page, perPage, start, end: Math.min(total, start + perPage), total };
}

/**
 * The `Link` header naming the prev, next, last and first pages, built from the request's own URL
 * (every filter kept) with `per_page` and `page` set, as GitHub writes it.
 */
export function setLinkHeader(request: FastifyRequest, reply: FastifyReply, window: PageWindow, apiUrl: string): void {
  const lastPage = Math.max(1, Math.ceil(window.total / window.perPage));
  const link = (target: number, rel: string) => {
    const url = new URL(request.url, apiUrl);
    url.searchParams.set("per_page", String(window.perPage));
    url.searchParams.set("page", String(target));
    return `<${apiUrl}${url.pathname}${url.search}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (window.page > 1) links.push(link(window.page - 1, "prev"));
  if (window.page < lastPage) links.push(link(window.page + 1, "next"), link(lastPage, "last"));
  if (window.page > 1) links.push(link(1, "first"));
  if (links.length > 0) reply.header("link", links.join(", "));
}

/** Pages an in-memory list: sets the `Link` header and returns the requested page's items. */
export function paginate<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  items: readonly T[],
  apiUrl: string,
  maxPerPage: number = githubMaxPerPage,
): T[] {
  const window = pageWindow(request, items.length, maxPerPage);
  setLinkHeader(request, reply, window, apiUrl);
  return items.slice(window.start, window.end);
}

function clamp(value: number, fallback: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min) return fallback;
  return Math.min(value, max);
}
