import type { ColumnType } from "kysely";

// Column types both drivers agree on; the *.table.ts files describe their tables with them.

/** timestamptz: written as Date, read back as Date by both drivers. */
export type Timestamp = ColumnType<Date, Date, Date>;

/**
 * int8: pg returns a string, PGlite a number; the mappers turn both into a number.
 * Written as a number, or as SQL (`config_version + 1`).
 */
export type Int8 = ColumnType<string | number | bigint, number, number>;

/** jsonb: read back parsed, written as JSON text (one form that both drivers accept). */
export type Jsonb<T> = ColumnType<T, string, string>;

/** int8 arrives as a string (pg) or a number/bigint (PGlite). */
export function toNumber(value: string | number | bigint): number {
  return Number(value);
}
