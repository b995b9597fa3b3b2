import fc from "fast-check";
import { frame } from "../../support/grpc-web-raw.js";

/** Characters that break naive code: NUL and other controls, lone surrogates, BOM, bidi, U+FFFD. */
const SPECIALS = [
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\ud800",
  "\udfff",
  "\ufeff",
  "\u202e",
  "\ufffd",
  "é",
  "𝄞",
];
const unit = fc.oneof(
  fc.constantFrom(...SPECIALS),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }),
);
export const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 250, maxLength: 300 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", "x".repeat(70_000), "é".repeat(30_000), "\u0000".repeat(2_000)),
  },
  { weight: 1, arbitrary: fc.uuid() },
);
export const int32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.integer({ min: -3, max: 5 }),
);
export const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
export const duration = fc.option(
  fc.record({ seconds: fc.oneof(int64, fc.integer({ min: -10, max: 4000 }).map(String)), nanos: int32 }),
  { nil: undefined },
);
export const jsonObject = fc.option(
  fc.dictionary(fc.string({ unit, maxLength: 8 }), fc.jsonValue({ maxDepth: 4, stringUnit: unit }), {
    maxKeys: 6,
  }),
  { nil: undefined },
);
export const bearerText = fc.string({
  unit: fc.constantFrom(..."abcXYZ019-_.~+/= ".split("")),
  maxLength: 80,
});

/** Flips, cuts, inserts, repeats or appends bytes of a valid message. */
function mutated(valid: Uint8Array) {
  return fc
    .tuple(
      fc.constantFrom("flip", "truncate", "insert", "append", "duplicate"),
      fc.nat(),
      fc.uint8Array({ minLength: 1, maxLength: 16 }),
    )
    .map(([how, at, bytes]) => {
      const i = valid.length === 0 ? 0 : at % valid.length;
      const v = Buffer.from(valid);
      switch (how) {
        case "flip":
          if (v.length > 0) v[i] = v[i]! ^ (bytes[0]! || 1);
          return v;
        case "truncate":
          return v.subarray(0, i);
        case "insert":
          return Buffer.concat([v.subarray(0, i), bytes, v.subarray(i)]);
        case "append":
          return Buffer.concat([v, bytes]);
        default:
          return Buffer.concat([v, v.subarray(i)]);
      }
    });
}

/** Any bytes, or a valid message broken. */
export const bytesFor = (valid: Uint8Array) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    mutated(valid),
  );

/** gRPC-Web bodies: framed (binary or base64 text) broken messages, or the frame itself broken. */
export const grpcWebFrames = (valid: Uint8Array) =>
  fc.oneof(
    bytesFor(valid).map((b) => ({ body: frame(b), text: false })),
    bytesFor(valid).map((b) => ({ body: frame(b).toString("base64"), text: true })),
    // The frame itself broken: any bytes, a length that lies, a trailer or compressed flag.
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ body: Buffer.from(b), text: false })),
    fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 255 })).map(([length, flags]) => {
      const header = Buffer.alloc(5);
      header.writeUInt8(flags, 0);
      header.writeUInt32BE(length, 1);
      return { body: Buffer.concat([header, Buffer.from(valid)]), text: false };
    }),
    fc.string({ maxLength: 40 }).map((s) => ({ body: s, text: true })),
  );
