import type { KubernetesAccess, PlatformConfig, VercelAccess } from "../platform-inputs.ts";

/** What a rotation run is asked to do, whoever asks (the action, the CLI, the sandbox). */
export interface RotationRequest {
  /** Secret names, or "due": those whose rotation period has passed (or never rotated). */
  secrets: string[] | "due";
  reason: string;
  dryRun: boolean;
  actor: string;
  runId: string;
}

/** The consumers' platforms: each only when a secret in the config has a consumer there. */
export interface RotationAccess {
  github: PlatformConfig["github"];
  vercel: VercelAccess | undefined;
  kubernetes: KubernetesAccess | undefined;
}
