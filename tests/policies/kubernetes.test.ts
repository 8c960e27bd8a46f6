import { describe, expect, it } from "vitest";
import {
  disruptionBudget,
  imagesPinned,
  noHostPath,
  notPrivileged,
  probesSet,
  resourcesSet,
  runAsNonRoot,
} from "../../policies/kubernetes.ts";
import { copy, type Fake, resourceViolations, stackViolations } from "./util.ts";

const probe = { httpGet: { path: "/healthz", port: 8080 } };

/** The API Deployment as garde declares it. */
const deployment = (): Fake => ({
  type: "kubernetes:apps/v1:Deployment",
  name: "shop-prod-k8s-api",
  props: {
    metadata: { name: "api-server", namespace: "shop-prod" },
    spec: {
      replicas: 3,
      template: {
        metadata: { labels: { app: "shop", environment: "prod" } },
        spec: {
          securityContext: { runAsNonRoot: true },
          containers: [
            {
              name: "api",
              image: "europe-west1-docker.pkg.dev/acme/shop/api:1.4.2",
              resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { memory: "1Gi" } },
              readinessProbe: probe,
              livenessProbe: probe,
            },
          ],
        },
      },
    },
  },
});

type Container = Record<string, unknown> & { securityContext?: Record<string, unknown> };
const changed = (edit: (spec: Record<string, unknown>, c: Container) => void): Fake => {
  const d = copy(deployment());
  const spec = (d.props.spec as { template: { spec: Record<string, unknown> } }).template.spec;
  edit(spec, (spec.containers as Container[])[0] as Container);
  return d;
};

describe("k8s-image-tagged", () => {
  it("passes a version tag", async () => {
    expect(await resourceViolations(imagesPinned, deployment())).toEqual([]);
  });

  it("fails latest", async () => {
    const d = changed((_s, c) => {
      c.image = "nginx:latest";
    });
    expect(await resourceViolations(imagesPinned, d)).toEqual([
      "Deployment api-server, container api: image nginx:latest uses the moving tag latest",
    ]);
  });

  it("fails an untagged image, but not a registry port or a digest", async () => {
    const untagged = changed((_s, c) => {
      c.image = "registry.acme.com:5000/shop/api";
    });
    expect(await resourceViolations(imagesPinned, untagged)).toEqual([
      "Deployment api-server, container api: image registry.acme.com:5000/shop/api has no tag, so it runs whatever latest is",
    ]);
    const digest = changed((_s, c) => {
      c.image = `shop/api@sha256:${"a".repeat(64)}`;
    });
    expect(await resourceViolations(imagesPinned, digest)).toEqual([]);
  });
});

describe("k8s-resources", () => {
  it("passes requests and a memory limit", async () => {
    expect(await resourceViolations(resourcesSet, deployment())).toEqual([]);
  });

  it("fails a container without a memory limit", async () => {
    const d = changed((_s, c) => {
      c.resources = { requests: { cpu: "500m", memory: "1Gi" } };
    });
    expect(await resourceViolations(resourcesSet, d)).toEqual([
      "Deployment api-server, container api: no limits.memory",
    ]);
  });

  it("asks for a CPU limit only when the config says so", async () => {
    expect(await resourceViolations(resourcesSet, deployment(), { requireCpuLimit: true })).toEqual([
      "Deployment api-server, container api: no limits.cpu",
    ]);
  });
});

describe("k8s-probes", () => {
  it("passes readiness and liveness probes", async () => {
    expect(await resourceViolations(probesSet, deployment())).toEqual([]);
  });

  it("fails a container without a readiness probe", async () => {
    const d = changed((_s, c) => {
      delete c.readinessProbe;
    });
    expect(await resourceViolations(probesSet, d)).toEqual([
      "Deployment api-server, container api: no readiness probe: traffic reaches it before it is ready, or a hung process is never restarted",
    ]);
  });

  it("does not ask a CronJob's pods for probes", async () => {
    const job: Fake = {
      type: "kubernetes:batch/v1:CronJob",
      props: {
        spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "backup" }] } } } } },
      },
    };
    expect(await resourceViolations(probesSet, job)).toEqual([]);
  });
});

describe("k8s-run-as-non-root", () => {
  it("passes runAsNonRoot on the pod", async () => {
    expect(await resourceViolations(runAsNonRoot, deployment())).toEqual([]);
  });

  it("fails a container that overrides it to root", async () => {
    const d = changed((_s, c) => {
      c.securityContext = { runAsUser: 0 };
    });
    expect(await resourceViolations(runAsNonRoot, d)).toEqual([
      "Deployment api-server, container api: may run as root",
    ]);
  });
});

describe("k8s-no-privileged", () => {
  it("passes an unprivileged container", async () => {
    expect(await resourceViolations(notPrivileged, deployment())).toEqual([]);
  });

  it("fails a privileged one", async () => {
    const d = changed((_s, c) => {
      c.securityContext = { privileged: true };
    });
    expect(await resourceViolations(notPrivileged, d)).toEqual([
      "Deployment api-server, container api: runs privileged",
    ]);
  });
});

describe("k8s-no-host-path", () => {
  it("passes a pod without hostPath volumes", async () => {
    expect(await resourceViolations(noHostPath, deployment())).toEqual([]);
  });

  it("fails one that mounts the node's docker socket", async () => {
    const d = changed((s) => {
      s.volumes = [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }];
    });
    expect(await resourceViolations(noHostPath, d)).toEqual([
      "Deployment api-server: volume docker mounts the node's /var/run/docker.sock",
    ]);
  });
});

describe("k8s-disruption-budget", () => {
  const pdb = (labels: Record<string, string>, namespace = "shop-prod"): Fake => ({
    type: "kubernetes:policy/v1:PodDisruptionBudget",
    props: { metadata: { namespace }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
  });

  it("passes three replicas with a budget selecting their pods", async () => {
    expect(await stackViolations(disruptionBudget, [deployment(), pdb({ app: "shop" })])).toEqual([]);
  });

  it("fails when the budget selects other pods", async () => {
    expect(await stackViolations(disruptionBudget, [deployment(), pdb({ app: "admin" })])).toEqual([
      "shop-prod-k8s-api: Deployment api-server runs 3 replicas and no PodDisruptionBudget selects its pods",
    ]);
  });

  it("does not ask one replica for a budget", async () => {
    const d = copy(deployment());
    (d.props.spec as { replicas: number }).replicas = 1;
    expect(await stackViolations(disruptionBudget, [d])).toEqual([]);
  });
});
