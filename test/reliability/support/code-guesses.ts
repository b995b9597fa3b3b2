import { createChannel, createClientFactory, Metadata } from "nice-grpc";
import { errorDetailsClientMiddleware } from "nice-grpc-error-details";
import { generateSecret } from "../../../src/domain/secrets.js";
import { DeviceServiceDefinition } from "../../../src/gen/userlink/v1/device_service.js";
import type { RunningUserlink } from "../../../src/main.js";
import { phone } from "../../support/flow.js";

/** Concurrent guesses that all pass the check before any failure is counted (see the README). */
export const BURST_ALLOWANCE = 10;

/** DeviceService of `target` as a client at `address` calls it. */
export const deviceFrom = (target: RunningUserlink, address: string) =>
  createClientFactory()
    .use(errorDetailsClientMiddleware)
    .create(DeviceServiceDefinition, createChannel(`127.0.0.1:${target.grpcPort}`), {
      // The instance trusts loopback as a proxy: each scenario is a client address of its own.
      "*": { metadata: Metadata({ "x-forwarded-for": address }) },
    });

/** One CreateUser with a random code from `address`: "OK", or the error it got. */
export const guessFrom = (target: RunningUserlink, address: string) =>
  deviceFrom(target, address)
    .createUser({ ...phone(), authenticationCode: generateSecret() })
    .then(
      () => "OK",
      (e: unknown) => e,
    );
