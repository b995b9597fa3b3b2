/**
 * A random UUID (v4) for the request_id of CreateUser and RefreshCredentials. Built from
 * getRandomValues, which every browser and Node has, because crypto.randomUUID exists
 * only in secure contexts (a page on plain http to another host than localhost has none).
 */
export function randomRequestId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
