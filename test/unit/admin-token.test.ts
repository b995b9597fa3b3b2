import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { AppError } from "../../src/domain/errors.js";
import { AdminAuthenticator, adminTokenFingerprint } from "../../src/services/admin-authenticator.js";

const current = "c".repeat(40);
const previous = "p".repeat(40);

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join("\n");
  }
  throw new Error("expected a ConfigError");
}

describe("USERLINK_ADMIN_TOKEN_PREVIOUS", () => {
  it("is off by default and taken as given beside the current token", () => {
    expect(loadConfig({}).adminTokenPrevious).toBeNull();
    expect(
      loadConfig({ USERLINK_ADMIN_TOKEN: current, USERLINK_ADMIN_TOKEN_PREVIOUS: "  " }).adminTokenPrevious,
    ).toBeNull();
    const config = loadConfig({ USERLINK_ADMIN_TOKEN: current, USERLINK_ADMIN_TOKEN_PREVIOUS: previous });
    expect(config).toMatchObject({ adminToken: current, adminTokenPrevious: previous });
  });

  it("follows the current token's rules and needs a different current token, never echoing either", () => {
    expect(
      problems({ USERLINK_ADMIN_TOKEN: current, USERLINK_ADMIN_TOKEN_PREVIOUS: "short-secret" }),
    ).toMatch(/USERLINK_ADMIN_TOKEN_PREVIOUS: must be at least 32 characters/);
    expect(problems({ USERLINK_ADMIN_TOKEN_PREVIOUS: previous })).toMatch(
      /USERLINK_ADMIN_TOKEN_PREVIOUS: needs USERLINK_ADMIN_TOKEN/,
    );
    const same = problems({ USERLINK_ADMIN_TOKEN: current, USERLINK_ADMIN_TOKEN_PREVIOUS: current });
    expect(same).toMatch(/USERLINK_ADMIN_TOKEN_PREVIOUS: must differ/);
    for (const text of [
      same,
      problems({ USERLINK_ADMIN_TOKEN: current, USERLINK_ADMIN_TOKEN_PREVIOUS: "short-secret" }),
    ]) {
      expect(text).not.toContain(current);
      expect(text).not.toContain("short-secret");
    }
  });
});

describe("AdminAuthenticator", () => {
  it("accepts the current and the previous token, each with its own fingerprint", () => {
    const auth = new AdminAuthenticator(current, previous);
    expect(auth.authenticate(current)).toEqual({
      kind: "admin",
      tokenFingerprint: adminTokenFingerprint(current),
    });
    expect(auth.authenticate(previous)).toEqual({
      kind: "admin",
      tokenFingerprint: adminTokenFingerprint(previous),
    });
    expect(adminTokenFingerprint(current)).not.toBe(adminTokenFingerprint(previous));
  });

  it("refuses anything else, and the previous token once it is no longer configured", () => {
    const auth = new AdminAuthenticator(current);
    for (const bearer of [undefined, "", previous, `${current} `, current.slice(1)]) {
      expect(() => auth.authenticate(bearer)).toThrow(AppError);
    }
    expect(auth.authenticate(current).tokenFingerprint).toBe(adminTokenFingerprint(current));
  });

  it("fingerprints as documented: 16 hex characters of SHA-256 over the label and the token", async () => {
    const { createHash } = await import("node:crypto");
    const expected = createHash("sha256")
      .update(`userlink admin token fingerprint v1\n${current}`)
      .digest("hex")
      .slice(0, 16);
    expect(adminTokenFingerprint(current)).toBe(expected);
    expect(adminTokenFingerprint(current)).not.toBe(
      createHash("sha256").update(current).digest("hex").slice(0, 16),
    );
  });
});
