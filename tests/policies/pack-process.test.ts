import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICY_NAMES } from "../../policies/all.ts";

/**
 * The built pack (policies/dist/index.cjs) run as `pulumi preview --policy-pack policies` runs
 * it: Pulumi's own policy runner in the pack's directory, printing the port of its analyzer,
 * then driven over gRPC with the engine's protocol. Nothing here imports the pack.
 */

const root = resolve(import.meta.dirname, "../..");
const fromPulumi = createRequire(require.resolve("@pulumi/pulumi"));
const grpc = fromPulumi("@grpc/grpc-js");
const analyzer = fromPulumi("./proto/analyzer_pb.js");
const { AnalyzerClient } = fromPulumi("./proto/analyzer_grpc_pb.js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb.js");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb.js");

let pack: ChildProcess;
let client: {
  [method: string]: (req: unknown, cb: (err: Error | null, res: never) => void) => void;
};
const call = <T>(method: string, request: unknown) =>
  new Promise<T>((ok, fail) => client[method]?.(request, (err, res) => (err ? fail(err) : ok(res))));

beforeAll(async () => {
  pack = spawn(
    process.execPath,
    [join(root, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js"), "127.0.0.1:1", "."],
    { cwd: join(root, "policies"), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  pack.stderr?.on("data", (d) => {
    stderr += d;
  });
  const port = await new Promise<string>((ok, fail) => {
    pack.stdout?.once("data", (d) => ok(String(d).trim()));
    pack.once("exit", (code) => fail(new Error(`the pack exited ${code} before serving: ${stderr}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 30_000);

afterAll(() => {
  pack?.kill();
});

function options(protect = false) {
  const o = new analyzer.AnalyzerResourceOptions();
  o.setProtect(protect);
  return o;
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>) {
  const req = new analyzer.AnalyzeRequest();
  req.setType(type);
  req.setName(name);
  req.setUrn(`urn:pulumi:prod::garde::${type}::${name}`);
  req.setProperties(Struct.fromJavaScript(props));
  // Declared protected, as garde declares stateful resources: only the policy under test fires.
  req.setOptions(options(true));
  return req;
}

interface Diagnostic {
  getPolicyname(): string;
  getMessage(): string;
  getEnforcementlevel(): number;
}
const diagnostics = async (request: unknown, method = "analyze") =>
  (await call<{ getDiagnosticsList(): Diagnostic[] }>(method, request)).getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    message: d.getMessage(),
    level: d.getEnforcementlevel() === analyzer.EnforcementLevel.MANDATORY ? "mandatory" : "advisory",
  }));

async function configure(config: Record<string, { level: number; props?: Record<string, unknown> }>) {
  const req = new analyzer.ConfigureAnalyzerRequest();
  for (const [name, c] of Object.entries(config)) {
    const p = new analyzer.PolicyConfig();
    p.setEnforcementlevel(c.level);
    p.setProperties(Struct.fromJavaScript(c.props ?? {}));
    req.getPolicyconfigMap().set(name, p);
  }
  await call("configure", req);
}

const publicBucket = {
  name: "acme-backups",
  versioning: { enabled: true },
  uniformBucketLevelAccess: true,
  publicAccessPrevention: "inherited",
};

describe("the pack under Pulumi's policy runner", () => {
  it("serves every policy with its description, fix and config schema", async () => {
    const info = await call<{
      getName(): string;
      getPoliciesList(): {
        getName(): string;
        getDescription(): string;
        getRemediationSteps(): string;
        getConfigschema(): unknown;
      }[];
    }>("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("garde");
    const policies = info.getPoliciesList();
    expect(policies.map((p) => p.getName()).sort()).toEqual([...POLICY_NAMES].sort());
    for (const p of policies) {
      expect(p.getDescription(), p.getName()).not.toBe("");
      expect(p.getRemediationSteps(), p.getName()).not.toBe("");
      expect(p.getConfigschema(), p.getName()).toBeDefined();
    }
  });

  it("blocks a public bucket, and reports it as advisory once the stack's config says so", async () => {
    const request = analyzeRequest("gcp:storage/bucket:Bucket", "backups", publicBucket);
    expect(await diagnostics(request)).toEqual([
      {
        policy: "bucket-public-access-prevention",
        message: expect.stringContaining(
          "bucket acme-backups does not enforce public access prevention (inherited)",
        ),
        level: "mandatory",
      },
    ]);
    await configure({ "bucket-public-access-prevention": { level: analyzer.EnforcementLevel.ADVISORY } });
    expect((await diagnostics(request))[0]?.level).toBe("advisory");
    await configure({
      "bucket-public-access-prevention": {
        level: analyzer.EnforcementLevel.MANDATORY,
        props: { exemptResources: ["backups"] },
      },
    });
    expect(await diagnostics(request)).toEqual([]);
    await configure({});
  });

  it("checks the stack as a whole: a replicated Deployment without a disruption budget", async () => {
    const deployment = new analyzer.AnalyzerResource();
    deployment.setType("kubernetes:apps/v1:Deployment");
    deployment.setName("api");
    deployment.setUrn("urn:pulumi:prod::garde::kubernetes:apps/v1:Deployment::api");
    deployment.setOptions(options());
    deployment.setProperties(
      Struct.fromJavaScript({
        metadata: { name: "api", namespace: "shop" },
        spec: { replicas: 3, template: { metadata: { labels: { app: "shop" } }, spec: { containers: [] } } },
      }),
    );
    const req = new analyzer.AnalyzeStackRequest();
    req.setResourcesList([deployment]);
    expect(await diagnostics(req, "analyzeStack")).toContainEqual({
      policy: "k8s-disruption-budget",
      message: expect.stringContaining(
        "Deployment api runs 3 replicas and no PodDisruptionBudget selects its pods",
      ),
      level: "mandatory",
    });
  });
});
