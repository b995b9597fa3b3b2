import { decodePageToken, encodePageToken } from "../domain/page-token.js";
import { pageSize, Violations } from "../domain/validation.js";
import type { PageQuery } from "../ports/page-query.js";

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken: string;
}

/**
 * A keyset page. One row more than asked tells whether another page exists without a
 * count query.
 */
export async function paginate<T extends { id: string }>(
  request: { pageSize: number; pageToken: string },
  load: (page: PageQuery) => Promise<T[]>,
  /** The list's filter as stable text ("" for none): tokens are bound to it. */
  filter = "",
): Promise<Page<T>> {
  const v = new Violations();
  const limit = pageSize(v, request.pageSize);
  v.throwIfAny();
  const rows = await load({
    limit: limit + 1,
    afterId: decodePageToken(request.pageToken, "page_token", filter),
  });
  const items = rows.slice(0, limit);
  // A next page only when the extra row came back, after the last item of this one.
  const last = rows.length > limit ? items.at(-1) : undefined;
  return { items, nextPageToken: last === undefined ? "" : encodePageToken(last.id, filter) };
}
