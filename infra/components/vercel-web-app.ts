import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";

export interface VercelWebAppArgs {
  project: string;
  teamId?: string | undefined;
  framework?: string | undefined;
  gitRepository: string;
  domain?: string | undefined;
  stagingDomain?: string | undefined;
  /** Each variable carries a plain value or a secret one; secrets are always `sensitive`. */
  env: { key: string; targets: string[]; value: pulumi.Input<string>; secret: boolean }[];
}

/** A Vercel project that garde deploys: production domains are assigned only by promotion. */
export class VercelWebApp extends pulumi.ComponentResource {
  readonly projectId: pulumi.Output<string>;
  readonly domains: pulumi.Output<string[]>;

  constructor(name: string, args: VercelWebAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("garde:vercel:WebApp", name, {}, opts);
    const team = args.teamId ? { teamId: args.teamId } : {};
    const project = new vercel.Project(
      `${name}-project`,
      {
        name: args.project,
        ...team,
        framework: args.framework,
        gitRepository: { type: "github", repo: args.gitRepository },
        // garde stages production builds and promotes them after checks (the deploy action).
        autoAssignCustomDomains: false,
      },
      { parent: this },
    );
    for (const variable of args.env) {
      new vercel.ProjectEnvironmentVariable(
        `${name}-env-${variable.key.toLowerCase()}-${variable.targets.join("-")}`,
        {
          projectId: project.id,
          ...team,
          key: variable.key,
          value: variable.secret ? pulumi.secret(variable.value) : variable.value,
          targets: variable.targets,
          sensitive: variable.secret,
        },
        { parent: this },
      );
    }
    const domains: string[] = [];
    for (const [role, domain] of [
      ["production", args.domain],
      ["staging", args.stagingDomain],
    ] as const) {
      if (!domain) continue;
      new vercel.ProjectDomain(
        `${name}-domain-${role}`,
        { projectId: project.id, ...team, domain },
        { parent: this },
      );
      domains.push(domain);
    }
    this.projectId = project.id;
    this.domains = pulumi.output(domains);
    this.registerOutputs({ projectId: this.projectId, domains: this.domains });
  }
}
