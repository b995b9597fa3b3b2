import type { DeviceType, Platform } from "../domain/model.js";
import { looksLikeSecret } from "../domain/secrets.js";
import { LIMITS, Violations } from "../domain/validation.js";

/** CreateUser as the use case sees it; null where the caller sent nothing usable. */
export interface CreateUserInput {
  readonly authenticationCode: string;
  readonly requestId: string;
  readonly app: { readonly appVersion: string; readonly sdkVersion: string } | null;
  readonly device: {
    readonly platform: Platform | null;
    readonly deviceType: DeviceType | null;
    readonly model: string;
    readonly osVersion: string;
  } | null;
}

/**
 * Every check that can be made without touching the code, so that bad input never
 * burns one. A code that cannot be one of ours is a bad code (UNAUTHENTICATED), not bad
 * input: the caller cannot tell it apart from an expired one anyway.
 */
export function validateCreateUser(input: CreateUserInput): { codeWellFormed: boolean } {
  const v = new Violations();
  if (input.authenticationCode === "") v.add("authentication_code", "is required");
  v.text("request_id", input.requestId, LIMITS.requestId, { required: true });
  if (input.app !== null) {
    v.text("app.app_version", input.app.appVersion, LIMITS.shortText, { required: false });
    v.text("app.sdk_version", input.app.sdkVersion, LIMITS.shortText, { required: false });
  }
  if (input.device === null) {
    v.add("device", "is required");
  } else {
    if (input.device.platform === null) v.add("device.platform", "must be PLATFORM_IOS or PLATFORM_ANDROID");
    if (input.device.deviceType === null) {
      v.add("device.device_type", "must be DEVICE_TYPE_PHONE or DEVICE_TYPE_TABLET");
    }
    v.text("device.model", input.device.model, LIMITS.model, { required: false });
    v.text("device.os_version", input.device.osVersion, LIMITS.shortText, { required: false });
  }
  v.throwIfAny();
  return { codeWellFormed: looksLikeSecret(input.authenticationCode) };
}
