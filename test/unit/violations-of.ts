import { expect } from "vitest";
import { AppError, type FieldViolation } from "../../src/domain/errors.js";

/** The field violations `run` throws as INVALID_ARGUMENT; [] when it does not throw. */
export function violationsOf(run: () => unknown): FieldViolation[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("INVALID_ARGUMENT");
    return [...(error as AppError).fieldViolations];
  }
  return [];
}

/** Just the field names of `violationsOf`. */
export function fieldsOf(run: () => unknown): string[] {
  return violationsOf(run).map((v) => v.field);
}
