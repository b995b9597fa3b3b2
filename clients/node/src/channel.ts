import { ChannelCredentials, createChannel, type Channel, type ChannelOptions } from "nice-grpc";
import type { ClientOptions, TlsOptions } from "./client-options.js";

/**
 * The grpc-js channel for `options`: plaintext by default (or TLS when the address
 * starts with `https://`), TLS with the system roots for `tls: true`, and TLS with the
 * given certificates (mTLS when a key and chain are given) for a `TlsOptions` object.
 */
export function openChannel(options: ClientOptions): Channel {
  const { tls, address } = options;
  let channelOptions: ChannelOptions = { ...options.channelOptions };
  let credentials: ChannelCredentials | undefined;
  if (tls === true) credentials = ChannelCredentials.createSsl();
  else if (tls === false) credentials = ChannelCredentials.createInsecure();
  else if (tls !== undefined) {
    credentials = sslCredentials(tls);
    if (tls.serverName !== undefined) {
      channelOptions = {
        "grpc.ssl_target_name_override": tls.serverName,
        "grpc.default_authority": tls.serverName,
        ...channelOptions,
      };
    }
  }
  return createChannel(address, credentials, channelOptions);
}

function sslCredentials(tls: TlsOptions): ChannelCredentials {
  if ((tls.privateKey === undefined) !== (tls.certChain === undefined)) {
    throw new TypeError("userlink client: tls.privateKey and tls.certChain go together (mTLS)");
  }
  return ChannelCredentials.createSsl(tls.rootCerts ?? null, tls.privateKey ?? null, tls.certChain ?? null);
}
