import { createAdminClient, type AdminClient } from "../../clients/web/src/index.js";
import { isTokenRefused } from "./errors.js";

// The admin token lives for this tab only: sessionStorage survives a reload and goes
// with the tab; it is never put in a URL, a cookie or localStorage.
const TOKEN_KEY = "userlink-console-admin-token";

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * An AdminService client on this page's own origin (the service serves the console on
 * its gRPC-Web port), whose every call reports a refused token to `onRefused` before
 * it rejects, so any page can send the operator back to sign-in.
 */
export function adminClient(token: string, onRefused: () => void): AdminClient {
  const client = createAdminClient({ baseUrl: location.origin, adminToken: token });
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "close") return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (isTokenRefused(error)) onRefused();
          throw error;
        }
      };
    },
  });
}
