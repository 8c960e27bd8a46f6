import type { CreateDeploymentRequest, DeployTarget, TargetDeployment } from "./target.ts";

/**
 * A DeployTarget built on first use. The Vercel SDK's response schemas take ~250 ms of CPU to
 * construct; deferring them lets the action's first request (the GitHub record) leave at once.
 */
export class LazyTarget implements DeployTarget {
  private loaded: Promise<DeployTarget> | undefined;
  readonly platform: string;
  private readonly load: () => Promise<DeployTarget>;

  constructor(platform: string, load: () => Promise<DeployTarget>) {
    this.platform = platform;
    this.load = load;
  }

  private get target(): Promise<DeployTarget> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  async create(request: CreateDeploymentRequest): Promise<TargetDeployment> {
    return (await this.target).create(request);
  }
  async get(id: string): Promise<TargetDeployment> {
    return (await this.target).get(id);
  }
  async promote(id: string): Promise<void> {
    return (await this.target).promote(id);
  }
  async rollback(id: string): Promise<void> {
    return (await this.target).rollback(id);
  }
  async currentProduction(): Promise<TargetDeployment | null> {
    return (await this.target).currentProduction();
  }
  /** The real target, for capabilities beyond deployments (environment variables). */
  async resolve(): Promise<DeployTarget> {
    return this.target;
  }
  async assignAlias(id: string, alias: string): Promise<{ previousDeploymentId: string | null }> {
    return (await this.target).assignAlias(id, alias);
  }
}
