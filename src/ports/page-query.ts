/** A keyset page: items in id order, after the `after` id when one is given. */
export interface PageQuery {
  readonly limit: number;
  readonly afterId: string | null;
}
