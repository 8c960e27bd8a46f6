import { getOctokit } from "@actions/github";
import sodium from "libsodium-wrappers";
import type { Consumer } from "./rotator.ts";

/**
 * A GitHub Actions secret (what workflows read as secrets.NAME), sealed with the repository's
 * public key before it leaves the process: GitHub never sees it in clear, nor can anyone read it back.
 */
export class GitHubSecretConsumer implements Consumer {
  readonly name: string;
  private readonly octokit: ReturnType<typeof getOctokit>;
  private readonly owner: string;
  private readonly repo: string;
  private readonly secretName: string;
  private appliedAt = 0;

  constructor(opts: { token: string; apiUrl: string; repository: string; secretName: string }) {
    const [owner = "", repo = ""] = opts.repository.split("/");
    this.owner = owner;
    this.repo = repo;
    this.secretName = opts.secretName;
    this.name = `GitHub secret ${opts.secretName}`;
    this.octokit = getOctokit(opts.token, { baseUrl: opts.apiUrl.replace(/\/$/, "") });
  }

  async apply(value: string): Promise<void> {
    await sodium.ready;
    const { data: key } = await this.octokit.rest.actions.getRepoPublicKey({
      owner: this.owner,
      repo: this.repo,
    });
    const sealed = sodium.crypto_box_seal(
      sodium.from_string(value),
      sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL),
    );
    this.appliedAt = Date.now();
    await this.octokit.rest.actions.createOrUpdateRepoSecret({
      owner: this.owner,
      repo: this.repo,
      secret_name: this.secretName,
      encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL),
      key_id: key.key_id,
    });
  }

  /** GitHub never returns a secret's value: the proof is that it was updated by this write. */
  async verify(): Promise<void> {
    const { data } = await this.octokit.rest.actions.getRepoSecret({
      owner: this.owner,
      repo: this.repo,
      secret_name: this.secretName,
    });
    if (Date.parse(data.updated_at) < this.appliedAt - 60_000)
      throw new Error(`${this.name} was not updated`);
  }
}
