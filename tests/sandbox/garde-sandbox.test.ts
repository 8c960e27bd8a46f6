import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlatformDescription } from "../../sandbox/platform.ts";
import { execNode, type ProcessResult } from "../processes.ts";

const BIN = resolve(import.meta.dirname, "../../bin/garde.js");

/** The real Vercel CLI, from devDependencies: nothing is installed at test time. */
function vercelBin(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve("vercel/package.json");
    return join(dirname(pkg), "dist", "vc.js");
  } catch {
    throw new Error("The vercel CLI is missing: run npm install (vercel@50 is a devDependency of garde).");
  }
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  description: PlatformDescription;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `garde sandbox --json` and reads the one JSON line it prints first. */
async function startGardeSandbox(tmp: string): Promise<Running> {
  const child = spawn(process.execPath, [BIN, "sandbox", "--json"], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH ?? "",
      TMPDIR: tmp,
      ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
    },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const line = await new Promise<string>((done, fail) => {
    child.stdout.on("data", (c: Buffer) => {
      stdout += c;
      const end = stdout.indexOf("\n");
      if (end >= 0) done(stdout.slice(0, end));
    });
    void exited.then((code) => fail(new Error(`garde sandbox exited ${code} before printing: ${stderr}`)));
  });
  return { child, description: JSON.parse(line) as PlatformDescription, stderr: () => stderr, exited };
}

/** Every API the sandbox serves. */
const apisOf = (d: PlatformDescription) => [
  d.vercel.api,
  d.github.api,
  d.gcp.secretManager,
  d.gcp.monitoring,
  d.gcp.storage,
  d.kubernetes.api,
];

const hostOf = (url: string) => new URL(url).host;

const portOpen = (url: string) =>
  new Promise<boolean>((done) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });

describe("garde sandbox, driven by the real vercel CLI", () => {
  let tmp: string;
  let home: string;
  let running: Running;
  let d: PlatformDescription;
  let closed = false;

  const vercel = (args: string[], input = ""): Promise<ProcessResult> =>
    execNode(
      [
        vercelBin(),
        "--api",
        d.vercel.api,
        "--token",
        d.vercel.token,
        "--scope",
        d.vercel.orgId,
        "--no-color",
        ...args,
      ],
      { HOME: home, ...d.env },
      d.app.dir,
      input,
    );
  const garde = (args: string[]) => execNode([BIN, ...args], { HOME: home, ...d.env }, d.app.dir);
  const json = <T>(r: ProcessResult): T => {
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "garde-sandbox-test-"));
    home = mkdtempSync(join(tmpdir(), "garde-sandbox-home-"));
    running = await startGardeSandbox(tmp);
    d = running.description;
  }, 60_000);

  afterAll(async () => {
    if (!closed) running.child.kill("SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it("prints one JSON line naming every endpoint over HTTPS, vendor-shaped tokens and the link file", () => {
    for (const url of apisOf(d)) {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(d.kubernetes).toMatchObject({
      namespace: "production",
      deployment: "api-server",
      service: "api-gateway",
    });
    expect(d.vercel.token).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(d.github.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(d.vercelProjectJson).toEqual({ projectId: d.vercel.projectId, orgId: d.vercel.orgId });
    expect(d.app.productionDeploymentId).toMatch(/^dpl_/);
    expect(d.env.NODE_EXTRA_CA_CERTS).toBeTruthy();
  });

  it("answers whoami, project ls, ls and inspect with the project and the deployment garde made", async () => {
    expect((await vercel(["whoami"])).stdout.trim()).toBe("garde-sandbox");
    const projects = json<{ projects: { name: string; id: string }[] }>(
      await vercel(["project", "ls", "--format", "json"]),
    );
    expect(projects.projects.map((p) => p.name)).toEqual([d.vercel.project]);
    const listed = await vercel(["ls", "--format", "json"]);
    // The CLI's JSON names deployments by URL.
    const { deployments } = json<{ deployments: { url: string; target: string }[] }>(listed);
    expect(deployments).toEqual([
      expect.objectContaining({ url: hostOf(d.app.productionUrl), target: "production" }),
    ]);
    const inspected = json<{ id: string; target: string; readyState: string; aliases?: string[] }>(
      await vercel(["inspect", d.app.productionDeploymentId, "--format", "json"]),
    );
    expect(inspected).toMatchObject({
      id: d.app.productionDeploymentId,
      target: "production",
      readyState: "READY",
    });
    expect(inspected.aliases).toContain(`${d.vercel.project}.garde.test`);
  });

  it("adds a variable with env add and lists it with env ls; the alias list names production's domain", async () => {
    const added = await vercel(["env", "add", "FEATURE_FLAGS", "production"], "beta-signup\n");
    expect(added.code, added.stderr).toBe(0);
    const { envs } = json<{ envs: { key: string; target: string[] }[] }>(
      await vercel(["env", "ls", "--format", "json"]),
    );
    expect(envs).toEqual([expect.objectContaining({ key: "FEATURE_FLAGS", target: ["production"] })]);
    const { aliases } = json<{ aliases: { alias: string; deploymentId: string }[] }>(
      await vercel(["alias", "ls", "--format", "json"]),
    );
    expect(aliases).toEqual([
      expect.objectContaining({
        alias: `${d.vercel.project}.garde.test`,
        deploymentId: d.app.productionDeploymentId,
      }),
    ]);
  });

  it("shares one state between the clients: vercel rollback is what garde watches, garde's rollback is what vercel shows", async () => {
    const seed = d.app.productionDeploymentId;
    // A release made by garde from a new commit on main.
    execFileSync("git", ["commit", "--quiet", "--allow-empty", "-m", "second release"], {
      cwd: d.app.dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@t",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@t",
      },
    });
    const deployed = json<{ deploymentId: string; url: string }>(await garde(["deploy", "--json"]));
    const second = deployed.deploymentId;
    const listed = json<{ deployments: { url: string }[] }>(await vercel(["ls", "--format", "json"]));
    expect(listed.deployments.map((x) => x.url)).toEqual([hostOf(deployed.url), hostOf(d.app.productionUrl)]);

    // vercel rollback → garde's watch of "what production serves" watches the restored build.
    const rolled = await vercel(["rollback", seed, "--yes"]);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stderr).toContain(`rolled back to`);
    const watched = json<{ outcome: string; from: string }>(
      await garde(["rollback", "--watch-window", "2s", "--watch-interval", "1s", "--json"]),
    );
    expect(watched).toMatchObject({ outcome: "known-good", from: seed });
    const status = await vercel(["rollback", "status"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stderr).toContain(seed);

    // vercel promote → garde rolls back from what the CLI promoted; vercel then shows garde's choice.
    const promoted = await vercel(["promote", second, "--yes"]);
    expect(promoted.code, promoted.stderr).toBe(0);
    const back = json<{ outcome: string; from: string; to: string }>(
      await garde(["rollback", "--to", "previous", "--reason", "trying the sandbox", "--json"]),
    );
    expect(back).toMatchObject({ outcome: "rolled-back", from: second, to: seed });
    const domain = json<{ id: string }>(
      await vercel(["inspect", `${d.vercel.project}.garde.test`, "--format", "json"]),
    );
    expect(domain.id).toBe(seed);
  }, 120_000);

  it("runs the tenants API on an emulated cluster that kubectl reaches through the kubeconfig it wrote", async () => {
    const { stdout } = await promisify(execFile)("kubectl", [
      "--kubeconfig",
      d.kubernetes.kubeconfig,
      "rollout",
      "status",
      `deployment/${d.kubernetes.deployment}`,
      "-n",
      d.kubernetes.namespace,
      "--timeout=20s",
    ]);
    expect(stdout).toContain('deployment "api-server" successfully rolled out');
    expect((await fetch(d.kubernetes.serviceUrl)).status).toBe(200);

    // garde ships to it and switches it with the KUBECONFIG the sandbox exported, as it prints.
    execFileSync("git", ["commit", "--quiet", "--allow-empty", "-m", "tenants API release"], {
      cwd: d.app.dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "dev",
        GIT_AUTHOR_EMAIL: "dev@garde.test",
        GIT_COMMITTER_NAME: "dev",
        GIT_COMMITTER_EMAIL: "dev@garde.test",
      },
    });
    const shipped = json<{ deploymentId: string; environment: string }>(
      await garde([
        "deploy",
        "--platform",
        "kubernetes",
        "--kubernetes-deployment",
        "api-server",
        "--kubernetes-service",
        "api-gateway",
        "--image-template",
        "registry.garde.test/tenants/api:{sha}",
        "--poll-interval",
        "0.2",
        "--json",
      ]),
    );
    expect(shipped.environment).toBe("production");
    const history = await promisify(execFile)("kubectl", ["rollout", "history", "deployment/api-server"], {
      env: { ...process.env, KUBECONFIG: d.env.KUBECONFIG },
    });
    expect(history.stdout).toContain(`garde promote ${shipped.deploymentId}`);
    const maintenance = json<{ changed: boolean }>(
      await garde(["maintenance", "on", "--reason", "trying the sandbox", "--json"]),
    );
    expect(maintenance.changed).toBe(true);
  });

  it("stops on SIGTERM leaving no listening socket, process or temp dir", async () => {
    const endpoints = [...apisOf(d), d.kubernetes.serviceUrl];
    expect(await portOpen(d.vercel.api)).toBe(true);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
    closed = true;
    for (const url of [...endpoints, d.app.productionUrl, d.slack.webhookUrl]) {
      expect(await portOpen(url), url).toBe(false);
    }
    // tsx-*: the compile cache of tsx, which runs bin/garde.js, is meant to outlive a run.
    expect(readdirSync(tmp).filter((name) => !name.startsWith("tsx-"))).toEqual([]);
    expect(running.stderr()).toContain("SIGTERM: stopping the sandbox");
  });
});

describe("garde sandbox, bad input", () => {
  it("refuses a --port-base out of range with exit 2 naming the flag and the range", async () => {
    const r = await execNode([BIN, "sandbox", "--port-base", "80"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--port-base must be a whole number from 1024 to 65528");
  });

  it("says which flag to change when a port is taken, exits 2 and leaves no temp dir", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "garde-sandbox-busy-"));
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, "127.0.0.1", done));
    const port = (busy.address() as AddressInfo).port;
    try {
      // The taken port is the GitHub emulator's (base + 1).
      const r = await execNode([BIN, "sandbox", "--port-base", String(port - 1)], { TMPDIR: tmp });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`a port from ${port - 1} to ${port + 5} is already in use`);
      expect(r.stderr).toContain("choose another --port-base");
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(tmp).filter((name) => !name.startsWith("tsx-"))).toEqual([]);
    } finally {
      busy.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
