import { CreateApiKeyRequest, CreateAppRequest } from "../../../src/gen/userlink/v1/admin_service.js";
import { CreateUserRequest } from "../../../src/gen/userlink/v1/device_service.js";
import { RequestAuthCodeRequest } from "../../../src/gen/userlink/v1/link_service.js";
import { phone } from "../../support/flow.js";
import { rawMessage } from "./raw-calls.js";

/** Every method, how it authenticates, and a valid body to mutate. */
export const METHODS: {
  path: string;
  auth: "key" | "device" | "admin" | "none";
  valid: Uint8Array;
  stream?: boolean;
}[] = [
  {
    path: "/userlink.v1.LinkService/RequestAuthCode",
    auth: "key",
    valid: RequestAuthCodeRequest.encode({ externalUserId: "raw" }).finish(),
  },
  { path: "/userlink.v1.LinkService/GetUser", auth: "key", valid: rawMessage([[1, Buffer.from("raw")]]) },
  { path: "/userlink.v1.LinkService/ListUsers", auth: "key", valid: Buffer.from([8, 10]) },
  {
    path: "/userlink.v1.LinkService/DeleteUser",
    auth: "key",
    valid: rawMessage([[1, Buffer.from("nobody")]]),
  },
  {
    path: "/userlink.v1.DeviceService/CreateUser",
    auth: "none",
    valid: CreateUserRequest.encode(
      CreateUserRequest.fromPartial({ ...phone(), authenticationCode: "x".repeat(43) }),
    ).finish(),
  },
  {
    path: "/userlink.v1.DeviceService/RefreshCredentials",
    auth: "none",
    valid: rawMessage([[1, Buffer.from("y".repeat(43))]]),
  },
  { path: "/userlink.v1.DeviceService/GetDeviceStatus", auth: "device", valid: new Uint8Array() },
  {
    path: "/userlink.v1.DeviceService/WatchDeviceStatus",
    auth: "device",
    valid: new Uint8Array(),
    stream: true,
  },
  { path: "/userlink.v1.DeviceService/ResetDevice", auth: "none", valid: new Uint8Array() },
  {
    path: "/userlink.v1.AdminService/CreateApp",
    auth: "admin",
    valid: CreateAppRequest.encode(
      CreateAppRequest.fromPartial({ displayName: "raw", sdkConfig: { a: [1, "b", { c: null }] } }),
    ).finish(),
  },
  { path: "/userlink.v1.AdminService/GetApp", auth: "admin", valid: rawMessage([[1, Buffer.from("raw")]]) },
  { path: "/userlink.v1.AdminService/ListApps", auth: "admin", valid: Buffer.from([8, 2]) },
  {
    path: "/userlink.v1.AdminService/UpdateApp",
    auth: "admin",
    valid: rawMessage([
      [1, Buffer.from("raw")],
      [2, Buffer.from("n")],
    ]),
  },
  {
    path: "/userlink.v1.AdminService/CreateApiKey",
    auth: "admin",
    valid: CreateApiKeyRequest.encode(
      CreateApiKeyRequest.fromPartial({ appId: "raw", name: "k", scopes: [1, 2] }),
    ).finish(),
  },
  {
    path: "/userlink.v1.AdminService/ListApiKeys",
    auth: "admin",
    valid: rawMessage([[1, Buffer.from("raw")]]),
  },
  {
    path: "/userlink.v1.AdminService/RevokeApiKey",
    auth: "admin",
    valid: rawMessage([[1, Buffer.from("raw")]]),
  },
  {
    path: "/userlink.v1.AdminService/RotateApiKey",
    auth: "admin",
    valid: rawMessage([[1, Buffer.from("raw")]]),
  },
  {
    path: "/userlink.v1.AdminService/SetUserDisabled",
    auth: "admin",
    valid: rawMessage([
      [1, Buffer.from("a")],
      [2, Buffer.from("b")],
    ]),
  },
  {
    path: "/userlink.v1.AdminService/ListUsers",
    auth: "admin",
    valid: rawMessage([
      [1, Buffer.from("raw")],
      [4, Buffer.from("pre")],
    ]),
  },
  {
    path: "/userlink.v1.AdminService/GetUser",
    auth: "admin",
    valid: rawMessage([
      [1, Buffer.from("raw")],
      [2, Buffer.from("x")],
    ]),
  },
  {
    path: "/userlink.v1.AdminService/DeleteUser",
    auth: "admin",
    valid: rawMessage([
      [1, Buffer.from("raw")],
      [3, Buffer.from("x")],
    ]),
  },
  {
    path: "/userlink.v1.AdminService/ListAuditEvents",
    auth: "admin",
    valid: rawMessage([[1, Buffer.from("raw")]]),
  },
];
