import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";

export interface VercelWebAppArgs {
  /** The app's one project: the deploy action ships every environment to it. */
  project: string;
  /** The prod stack creates the project; the others find it by name and add their part. */
  createProject: boolean;
  teamId?: string | undefined;
  framework?: string | undefined;
  gitRepository: string;
  domain?: string | undefined;
  stagingDomain?: string | undefined;
  stagingBranch: string;
  /**
   * Variables Pulumi owns: a plain value or a secret one (always `sensitive`). Values rotate-keys
   * owns are not here: two owners would put back a revoked value on the next `up`.
   */
  env: { key: string; targets: string[]; gitBranch?: string; value: pulumi.Input<string>; secret: boolean }[];
}

/** A Vercel project that garde deploys: production domains are assigned only by promotion. */
export class VercelWebApp extends pulumi.ComponentResource {
  readonly projectId: pulumi.Output<string>;
  readonly domains: pulumi.Output<string[]>;

  constructor(name: string, args: VercelWebAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:vercel:WebApp", name, {}, opts);
    const team = args.teamId ? { teamId: args.teamId } : {};
    const projectId = args.createProject
      ? new vercel.Project(
          `${name}-project`,
          {
            name: args.project,
            ...team,
            framework: args.framework,
            gitRepository: { type: "github", repo: args.gitRepository },
            // garde stages production builds and promotes them after checks (the deploy action).
            autoAssignCustomDomains: false,
          },
          { parent: this, protect: true },
        ).id
      : vercel.getProjectOutput({ name: args.project, ...team }, { parent: this }).id;
    for (const variable of args.env) {
      new vercel.ProjectEnvironmentVariable(
        `${name}-env-${variable.key.toLowerCase()}-${variable.targets.join("-")}`,
        {
          projectId,
          ...team,
          key: variable.key,
          value: variable.secret ? pulumi.secret(variable.value) : variable.value,
          targets: variable.targets,
          ...(variable.gitBranch ? { gitBranch: variable.gitBranch } : {}),
          sensitive: variable.secret,
        },
        { parent: this },
      );
    }
    const domains: string[] = [];
    if (args.domain) {
      new vercel.ProjectDomain(
        `${name}-domain-production`,
        { projectId, ...team, domain: args.domain },
        { parent: this },
      );
      domains.push(args.domain);
    }
    if (args.stagingDomain) {
      // A branch domain: without gitBranch Vercel would treat it as a production domain.
      new vercel.ProjectDomain(
        `${name}-domain-staging`,
        { projectId, ...team, domain: args.stagingDomain, gitBranch: args.stagingBranch },
        { parent: this },
      );
      domains.push(args.stagingDomain);
    }
    this.projectId = projectId;
    this.domains = pulumi.output(domains);
    this.registerOutputs({ projectId: this.projectId, domains: this.domains });
  }
}
