import type { FastifyReply, FastifyRequest } from "fastify";

const defaultPerPage = 30;
const maxPerPage = 100;

/**
 * GitHub's page-number pagination: `per_page` (default 30, at most 100) and `page` (from 1), with a
 * `Link` header naming the next, last, first and prev pages. Unreadable values fall back to the
 * defaults rather than failing, as GitHub's listings do.
 */
export function paginate<T>(request: FastifyRequest, reply: FastifyReply, items: readonly T[], apiUrl: string): T[] {
  const query = request.query as Record<string, string | undefined>;
  const perPage = clamp(Number.parseInt(query.per_page ?? "", 10), defaultPerPage, 1, maxPerPage);
  const page = clamp(Number.parseInt(query.page ?? "", 10), 1, 1, Number.MAX_SAFE_INTEGER);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));

  const link = (target: number, rel: string) => {
    const url = new URL(request.url, apiUrl);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(target));
    return `<${apiUrl}${url.pathname}${url.search}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < lastPage) links.push(link(page + 1, "next"), link(lastPage, "last"));
  if (page > 1) links.push(link(1, "first"));
  if (links.length > 0) reply.header("link", links.join(", "));

  return items.slice((page - 1) * perPage, page * perPage);
}

function clamp(value: number, fallback: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min) return fallback;
  return Math.min(value, max);
}
