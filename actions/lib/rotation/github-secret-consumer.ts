import sodium from "libsodium-wrappers";
import { PlatformError } from "../errors.ts";
import { GitHubClient, type GitHubClientOptions } from "../github-client.ts";
import type { Consumer } from "./rotator.ts";

/**
 * A GitHub Actions secret (what workflows read as secrets.NAME), sealed with the repository's
 * public key before it leaves the process: GitHub never sees it in clear, nor can anyone read it back.
 * With `previousName`, the previous value is kept under that name during the overlap and the
 * secret is deleted when the previous value is revoked.
 */
export class GitHubSecretConsumer implements Consumer {
  readonly name: string;
  private readonly github: GitHubClient;
  private readonly secretName: string;
  private readonly previousName: string | undefined;
  private appliedAt = 0;

  constructor(opts: GitHubClientOptions & { secretName: string; previousName?: string | undefined }) {
    this.github = new GitHubClient(opts);
    this.secretName = opts.secretName;
    this.previousName = opts.previousName;
    this.name = `GitHub secret ${opts.secretName}`;
  }

  async apply(value: string, previous: string | null = null): Promise<void> {
    await this.put(this.secretName, value);
    if (this.previousName && previous !== null) await this.put(this.previousName, previous);
  }

  /** Deletes the secret holding the previous value; one already gone is what was wanted. */
  async revoke(): Promise<void> {
    if (!this.previousName) return;
    const { octokit, owner, repo } = this.github;
    const name = this.previousName;
    await this.github
      .call(`delete the Actions secret ${name} of ${owner}/${repo}`, () =>
        octokit.request("DELETE /repos/{owner}/{repo}/actions/secrets/{secret_name}", {
          owner,
          repo,
          secret_name: name,
        }),
      )
      .catch((err: unknown) => {
        if (!(PlatformError.is(err) && err.status === 404)) throw err;
      });
  }

  private async put(secretName: string, value: string): Promise<void> {
    await sodium.ready;
    const { octokit, owner, repo } = this.github;
    const { data: key } = await this.github.call(`read the Actions public key of ${owner}/${repo}`, () =>
      octokit.request("GET /repos/{owner}/{repo}/actions/secrets/public-key", { owner, repo }),
    );
    const sealed = sodium.crypto_box_seal(
      sodium.from_string(value),
      sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL),
    );
    if (secretName === this.secretName) this.appliedAt = Date.now();
    await this.github.call(`update the Actions secret ${secretName} of ${owner}/${repo}`, () =>
      octokit.request("PUT /repos/{owner}/{repo}/actions/secrets/{secret_name}", {
        owner,
        repo,
        secret_name: secretName,
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
