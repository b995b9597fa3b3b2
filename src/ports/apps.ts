import type { App, JsonObject } from "../domain/model.js";
import type { PageQuery } from "./page-query.js";

export interface AppRepository {
  insert(app: App): Promise<void>;
  /** The app, or null when there is none with that id. */
  findById(id: string): Promise<App | null>;
  /** Apps in ascending id order. */
  list(page: PageQuery): Promise<App[]>;
  /**
   * Applies the changes that are set; a new `sdkConfig` also bumps `configVersion` by
   * one. Returns the updated app, or null when there is none with that id.
   */
  update(
    id: string,
    changes: {
      readonly displayName?: string;
      readonly sdkConfig?: JsonObject;
      readonly authCodeTtlSeconds?: number;
    },
  ): Promise<App | null>;
}
