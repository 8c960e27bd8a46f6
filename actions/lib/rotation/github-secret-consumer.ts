import sodium from "libsodium-wrappers";
import { GitHubClient, type GitHubClientOptions } from "../github-client.ts";
import type { Consumer } from "./rotator.ts";

/**
 * A GitHub Actions secret (what workflows read as secrets.NAME), sealed with the repository's
 * public key before it leaves the process: GitHub never sees it in clear, nor can anyone read it back.
 */
export class GitHubSecretConsumer implements Consumer {
  readonly name: string;
  private readonly github: GitHubClient;
  private readonly secretName: string;
  private appliedAt = 0;

  constructor(opts: GitHubClientOptions & { secretName: string }) {
    this.github = new GitHubClient(opts);
    this.secretName = opts.secretName;
    this.name = `GitHub secret ${opts.secretName}`;
  }

  async apply(value: string): Promise<void> {
    await sodium.ready;
    const { octokit, owner, repo } = this.github;
    const { data: key } = await this.github.call(`read the Actions public key of ${owner}/${repo}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/actions/secrets/public-key", { owner, repo }),
    );
    const sealed = sodium.crypto_box_seal(
      sodium.from_string(value),
      sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL),
    );
    this.appliedAt = Date.now();
    await this.github.call(`update the Actions secret ${this.secretName} of ${owner}/${repo}`, () =>
      octokit.request("PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}", {
        owner,
        repo,
        secret_name: this.secretName,
        encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL),
        key_id: key.key_id,
      }),
    );
  }

  /** GitHub never returns a secret's value: the proof is that it was updated by this write. */
  async verify(): Promise<void> {
    const { octokit, owner, repo } = this.github;
    const { data } = await this.github.call(
      `read the Actions secret ${this.secretName} of ${owner}/${repo}`,
      () =>
        octokit.request("GET /repos/{owner}/{repo}/actions/secrets/{secret_name}", {
          owner,
          repo,
          secret_name: this.secretName,
        }),
    );
    if (Date.parse(data.updated_at) < this.appliedAt - 60_000)
      throw new Error(`${this.name} was not updated`);
  }
}
