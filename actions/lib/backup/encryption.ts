import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { InputError } from "../errors.ts";

/**
 * Backups are encrypted with age (age-encryption.org/v1, the typage library by age's author):
 * the job that backs up holds only a public recipient (age1…), so a leaked CI secret cannot read
 * a single dump; the drill holds the identity (AGE-SECRET-KEY-1…). Anyone can also decrypt a
 * dump by hand with the age CLI: `age -d -i key.txt dump.pgc.age | pg_restore …`.
 */
export const AGE_SUFFIX = ".age";

/** Public keys are not secrets, but a malformed one must fail before anything is dumped. */
export async function checkRecipients(recipients: readonly string[]): Promise<void> {
  const { Encrypter } = await import("age-encryption");
  for (const recipient of recipients) {
    try {
      new Encrypter().addRecipient(recipient);
    } catch {
      throw new InputError(
        "age-recipient",
        `age recipient "${recipient.slice(0, 12)}…" is not an age public key: it starts age1, as age-keygen -y prints`,
      );
    }
  }
}

/** Identities are secrets: the message never quotes the value. */
export async function checkIdentity(identity: string): Promise<void> {
  const { identityToRecipient } = await import("age-encryption");
  try {
    await identityToRecipient(identity.trim());
  } catch {
    throw new InputError(
      "age-identity",
      "the age identity is not an age secret key: it starts AGE-SECRET-KEY-1, as age-keygen writes",
    );
  }
}

/** Encrypts a stream to every recipient, chunk by chunk (age's STREAM: 64 KiB at a time). */
export async function encryptStream(source: Readable, recipients: readonly string[]): Promise<Readable> {
  const { Encrypter } = await import("age-encryption");
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  const encrypted = await encrypter.encrypt(Readable.toWeb(source) as ReadableStream<Uint8Array>);
  return Readable.fromWeb(encrypted as WebReadableStream<Uint8Array>);
}

/**
 * Decrypts a stream with an identity. Resolves once the header is read (so a wrong key fails
 * here); a tampered chunk later fails the returned stream.
 */
export async function decryptStream(source: Readable, identity: string): Promise<Readable> {
  const { Decrypter } = await import("age-encryption");
  const decrypter = new Decrypter();
  decrypter.addIdentity(identity.trim());
  try {
    const plain = await decrypter.decrypt(Readable.toWeb(source) as ReadableStream<Uint8Array>);
    return Readable.fromWeb(plain as WebReadableStream<Uint8Array>);
  } catch (err) {
    throw new Error(`Cannot decrypt the dump with the age identity given: ${(err as Error).message}`);
  }
}
