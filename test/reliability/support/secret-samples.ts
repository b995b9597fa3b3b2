import { ApiKeyScope } from "../../../src/gen/userlink/v1/types.js";
import { phone } from "../../support/flow.js";
import { byProfile } from "./report.js";
import type { ClientsOf } from "./security-clients.js";

const SCOPE = ApiKeyScope;

/** Codes, access and refresh tokens and API-key secrets, as the service hands them out. */
export async function issuedSecrets(clients: ClientsOf, adminToken: string) {
  const admin = clients("grpc", adminToken).admin;
  const { app } = await admin.createApp({ displayName: "entropy" });
  const { apiKey } = await admin.createApiKey({
    appId: app!.appId,
    name: "e",
    scopes: [SCOPE.API_KEY_SCOPE_USER_LINK],
  });
  const link = clients("grpc", apiKey).link;
  const device = clients("grpc", null).device;
  const codeCount = byProfile(2_000, 10_000);
  const createCount = byProfile(300, 5_000);
  const keyApps = byProfile(10, 100);
  const codes: string[] = [];
  for (let i = 0; i < codeCount; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: 100 }, (_, j) => link.requestAuthCode({ externalUserId: `e-${i + j}` })),
    );
    codes.push(...batch.map((b) => b.authenticationCode));
  }
  const tokens: string[] = [];
  for (let i = 0; i < createCount; i += 50) {
    const batch = await Promise.all(
      codes
        .slice(i, i + 50)
        .map((authenticationCode) => device.createUser({ ...phone(), authenticationCode })),
    );
    tokens.push(...batch.flatMap((b) => [b.credentials!.accessToken, b.credentials!.refreshToken]));
  }
  const keys: string[] = [];
  for (let i = 0; i < keyApps; i++) {
    const { app: a } = await admin.createApp({ displayName: `keys ${i}` });
    const batch = await Promise.all(
      Array.from({ length: 10 }, () => admin.createApiKey({ appId: a!.appId, name: "e", scopes: [1] })),
    );
    keys.push(...batch.map((b) => b.apiKey.split(".")[1]!));
  }
  return { codes, tokens, api_key_secrets: keys };
}

/** Shape, estimated bits, uniqueness and a chi-square of the decoded bytes' frequencies. */
export function entropyOf(sample: readonly string[]) {
  const shape = sample.every((s) => /^[A-Za-z0-9_-]{43}$/.test(s));
  const counts = new Array<number>(256).fill(0);
  let total = 0;
  let minBytes = Infinity;
  for (const s of sample) {
    const bytes = Buffer.from(s, "base64url");
    minBytes = Math.min(minBytes, bytes.length);
    for (const byte of bytes) counts[byte]!++;
    total += bytes.length;
  }
  const expected = total / 256;
  const chiSquare = counts.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
  // Uniform random bytes (the chi-square says nothing contradicts it): 8 bits each.
  return { shape, bits: minBytes * 8, unique: new Set(sample).size, chiSquare };
}
