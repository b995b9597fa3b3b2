import { GrpcWebClientBase, MethodDescriptor, MethodType, type Metadata, type RpcError } from "grpc-web";

/** The slice of a ts-proto method definition a grpc-web MethodDescriptor is built from. */
interface TsProtoMethod<Req, Res> {
  readonly name: string;
  readonly requestType: { encode(message: Req): { finish(): Uint8Array }; fromPartial(value: never): Req };
  readonly responseType: { decode(bytes: Uint8Array): Res };
  readonly responseStream: boolean;
}

/** A ts-proto service definition (`outputServices=generic-definitions`), as far as the path needs it. */
interface TsProtoService {
  readonly fullName: string;
}

// grpc-web wants message classes; the serializers below do all the work.
class Unused {}

/**
 * Google's grpc-web runtime in text mode (the mode browsers use for streaming) over
 * descriptors built from ts-proto's encode/decode, since its code generator cannot be
 * installed here. An independent reading of the wire format nice-grpc-web also speaks.
 */
export class GoogleGrpcWebClient {
  readonly #base = new GrpcWebClientBase({ format: "text" });

  constructor(readonly url: string) {}

  unary<Req, Res>(
    service: TsProtoService,
    method: TsProtoMethod<Req, Res>,
    request: Partial<Req>,
    metadata: Metadata = {},
  ): Promise<Res> {
    return this.#base.unaryCall(
      `${this.url}${pathOf(service, method)}`,
      request as Req,
      metadata,
      descriptorOf(service, method),
    );
  }

  /** Collects a server stream until it ends: its messages and the final status or error. */
  stream<Req, Res>(
    service: TsProtoService,
    method: TsProtoMethod<Req, Res>,
    request: Partial<Req>,
    metadata: Metadata = {},
  ): GoogleStream<Res> {
    const stream = this.#base.serverStreaming(
      `${this.url}${pathOf(service, method)}`,
      request as Req,
      metadata,
      descriptorOf(service, method),
    );
    const messages: Res[] = [];
    const listeners = new Set<() => void>();
    const result: GoogleStream<Res> = {
      messages,
      error: null,
      ended: false,
      cancel: () => stream.cancel(),
      until: (ready, timeoutMs = 5_000) =>
        new Promise((resolve, reject) => {
          if (ready()) return resolve();
          const timer = setTimeout(() => {
            listeners.delete(check);
            reject(new Error(`grpc-web stream: condition not met within ${timeoutMs} ms`));
          }, timeoutMs);
          const check = (): void => {
            if (!ready()) return;
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          };
          listeners.add(check);
        }),
    };
    const wake = (): void => {
      for (const listener of [...listeners]) listener();
    };
    stream.on("data", (message) => {
      messages.push(message);
      wake();
    });
    stream.on("error", (error) => {
      result.error = error;
      result.ended = true;
      wake();
    });
    stream.on("end", () => {
      result.ended = true;
      wake();
    });
    return result;
  }
}

export interface GoogleStream<Res> {
  readonly messages: Res[];
  error: RpcError | null;
  ended: boolean;
  cancel(): void;
  until(ready: () => boolean, timeoutMs?: number): Promise<void>;
}

function pathOf(service: TsProtoService, method: { name: string }): string {
  return `/${service.fullName}/${method.name}`;
}

function descriptorOf<Req, Res>(service: TsProtoService, method: TsProtoMethod<Req, Res>) {
  return new MethodDescriptor<Req, Res>(
    pathOf(service, method),
    method.responseStream ? MethodType.SERVER_STREAMING : MethodType.UNARY,
    Unused as never,
    Unused as never,
    (request: Req) => method.requestType.encode(method.requestType.fromPartial(request as never)).finish(),
    (bytes: Uint8Array) => method.responseType.decode(bytes),
  );
}
