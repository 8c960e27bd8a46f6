/**
 * Pulumi's special values as they travel in serialized inputs: an object whose signature key
 * names what it is. Secrets, assets and archives share the key and differ by its value
 * (sdk/go/common/resource/sig in pulumi/pulumi).
 */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";
const ASSET = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE = "0def7320c3a5731c473e5ecbe6d01bc7";

type Signed = Record<string, unknown> & { [SIG_KEY]: string };

const signed = (value: unknown): value is Signed =>
  typeof value === "object" && value !== null && !Array.isArray(value) && SIG_KEY in value;

/** A secret as the engine serializes it: `{SIG: secret, value}`. */
export const isSecretEnvelope = (value: unknown): value is Signed & { value?: unknown } =>
  signed(value) && value[SIG_KEY] === SECRET;

/** An asset or archive: compared and shown by its hash, never by its bytes. */
export function assetLabel(value: unknown): string | undefined {
  if (!signed(value) || (value[SIG_KEY] !== ASSET && value[SIG_KEY] !== ARCHIVE)) return undefined;
  const kind = value[SIG_KEY] === ASSET ? "asset" : "archive";
  const hash = typeof value.hash === "string" ? ` sha256:${value.hash.slice(0, 12)}` : "";
  return `[${kind}${hash}]`;
}

/** What `pulumi preview --json` prints for a secret, and what garde prints in its place. */
export const SECRET_TEXT = "[secret]";
