import {
  experimental,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
} from "@grpc/grpc-js";
import { AdminServiceDefinition } from "../../gen/userlink/v1/admin_service.js";
import type { TlsMaterial } from "../tls-material.js";

/**
 * Set on a call's metadata by the server itself when the caller presented a client
 * certificate that the configured CA verified. Whatever a caller sends under this
 * name on an AdminService call (the only one that reads it) is removed first, so the
 * header can only mean what the server saw.
 */
export const VERIFIED_CLIENT_CERT_HEADER = "x-userlink-verified-client-cert";

/**
 * Plaintext, TLS, or TLS with optional client certificates. With a client CA the
 * handshake asks for a certificate but does not insist (SDKs and backends have none);
 * one that is presented must verify, and only then does the call count as mTLS.
 */
export function serverCredentials(tls: TlsMaterial | null): ServerCredentials {
  if (tls === null) return ServerCredentials.createInsecure();
  if (tls.clientCa === null)
    return ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }]);
  // createSsl cannot ask for a client certificate without also demanding one; the
  // certificate-provider credentials can. grpc-js' FileWatcherCertificateProvider
  // reads its files only after the server listens, and connections made before that
  // are dropped, so these providers hand over what was already read straight away.
  const identity = new LoadedCertificates({ identity: { certificate: tls.cert, privateKey: tls.key } });
  const ca = new LoadedCertificates({ ca: { caCertificate: tls.clientCa } });
  // grpc-js 1.14 names this function's first parameter "ca" but hands it to the
  // credentials as the identity (and the second as the CA): the order here is the one
  // that works, as the mTLS tests show.
  return experimental.createCertificateProviderServerCredentials(identity, ca, false);
}

/** A certificate provider for certificates already in memory. */
class LoadedCertificates implements experimental.CertificateProvider {
  constructor(
    private readonly loaded: {
      identity?: experimental.IdentityCertificateUpdate;
      ca?: experimental.CaCertificateUpdate;
    },
  ) {}
  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    // Deferred: grpc-js registers the watcher that reacts to updates after adding the
    // listener, and an update before that would be lost.
    queueMicrotask(() => listener(this.loaded.ca ?? null));
  }
  removeCaCertificateListener(): void {}
  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    queueMicrotask(() => listener(this.loaded.identity ?? null));
  }
  removeIdentityCertificateListener(): void {}
}

/** The one service whose middleware reads the header (adminAuth). */
const ADMIN_SERVICE_PREFIX = `/${AdminServiceDefinition.fullName}/`;

/**
 * Marks AdminService calls whose caller proved a verified client certificate; see the
 * header above. Other calls are handed on untouched: nothing else reads the header, and
 * an intercepting wrapper (a call object, a listener and their closures) on every call
 * would stay alive as long as each open WatchDeviceStatus stream does.
 */
export const markVerifiedClientCert: ServerInterceptor = (method, call) =>
  !method.path.startsWith(ADMIN_SERVICE_PREFIX)
    ? // grpc-js chains whatever an interceptor returns (any ServerInterceptingCallInterface);
      // only its type says the class.
      (call as ServerInterceptingCall)
    : new ServerInterceptingCall(call, {
        start(next) {
          next({
            onReceiveMetadata(metadata, forward) {
              metadata.remove(VERIFIED_CLIENT_CERT_HEADER);
              if (call.getAuthContext().sslPeerCertificate !== undefined)
                metadata.set(VERIFIED_CLIENT_CERT_HEADER, "1");
              forward(metadata);
            },
          });
        },
      });
