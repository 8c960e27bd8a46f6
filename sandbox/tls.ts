import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { generate } from "selfsigned";
import { Agent, setGlobalDispatcher } from "undici";

/** What an HTTPS emulator serves, and the CA a client must trust to reach it. */
export interface SandboxTls {
  key: string;
  cert: string;
  /** PEM of the CA that signed `cert`: what NODE_EXTRA_CA_CERTS, kubectl or curl --cacert take. */
  caCert: string;
  /** Where caCert was written. */
  caPath: string;
}

const DAY_MS = 86_400_000;

/**
 * A throw-away CA and a certificate it signs for 127.0.0.1 and localhost, as a local platform
 * needs: clients then verify the chain as they would against the vendor (the Vercel CLI refuses
 * plain HTTP, and a CA lets kubectl and curl trust the sandbox without disabling verification).
 * The CA lives only as long as the sandbox; its key is never written to disk.
 */
export async function createSandboxTls(dir: string): Promise<SandboxTls> {
  const notBeforeDate = new Date(Date.now() - DAY_MS);
  const notAfterDate = new Date(Date.now() + 30 * DAY_MS);
  const ca = await generate([{ name: "commonName", value: "garde sandbox CA" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  const caPath = join(dir, "ca.pem");
  writeFileSync(caPath, ca.cert);
  return { key: server.private, cert: server.cert, caCert: ca.cert, caPath };
}

/**
 * Makes this process's fetch (the Vercel SDK's, octokit's) trust the sandbox CA besides the
 * usual roots: what NODE_EXTRA_CA_CERTS does for a process started after the CA exists.
 */
export function trustInThisProcess(tls: SandboxTls): void {
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, tls.caCert] } }));
}
