// A small network for partition tests (issue #10): one namespace per node and one holding a
// bridge, joined by veth pairs, with private addresses (10.213.N.0/24) that exist only inside
// those namespaces. cut(node) takes the node's bridge port down (a partition), heal(node) brings
// it back. Everything is removed by destroy(), which also runs when the test process exits, so
// a failed test leaves no namespace behind. Needs root and `ip` (iproute2); tc netem is not
// needed (and not available on every kernel: the link proxy in link-proxy.ts emulates delay and
// drops in user space instead).

import { execFileSync, spawn } from "node:child_process";
import { PEERSYNC_BIN } from "./daemon.js";

export interface LabNode {
  readonly name: string;
  readonly ns: string;
  readonly ip: string;
  /** The bridge-side end of its veth (in the bridge namespace). */
  readonly port: string;
  /** Prefix that runs a command in the node's namespace (ip netns exec). */
  readonly wrap: readonly string[];
}

export interface NetLab {
  readonly nodes: Readonly<Record<string, LabNode>>;
  readonly bridgeNs: string;
  cut(node: string): void;
  heal(node: string): void;
  destroy(): void;
}

const ip = (...args: string[]): string => execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

let labs = 0;

/** True when this process may create namespaces (root, iproute2 present). */
export function netnsAvailable(): boolean {
  try {
    const probe = `psf-probe-${process.pid}`;
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return true;
  } catch {
    return false;
  }
}

export function createLab(names: readonly string[]): NetLab {
  const tag = `${(process.pid % 100_000).toString(36)}${(labs++).toString(36)}`;
  const subnet = `10.213.${(process.pid + labs) % 250}`;
  const bridgeNs = `psf-${tag}-br`;
  const created: string[] = [];
  const nodes: Record<string, LabNode> = {};
  const destroy = (): void => {
    for (const ns of created.splice(0).reverse()) {
      try {
        ip("netns", "del", ns); // its veth ends go with it
      } catch {
        // already gone
      }
    }
    process.off("exit", destroy);
  };
  process.on("exit", destroy);
  try {
    ip("netns", "add", bridgeNs);
    created.push(bridgeNs);
    ip("-n", bridgeNs, "link", "set", "lo", "up");
    ip("-n", bridgeNs, "link", "add", "br0", "type", "bridge");
    ip("-n", bridgeNs, "link", "set", "br0", "up");
    names.forEach((name, i) => {
      const ns = `psf-${tag}-${name}`;
      const port = `vb${tag}${i}`.slice(0, 15);
      const inner = `vn${tag}${i}`.slice(0, 15);
      ip("netns", "add", ns);
      created.push(ns);
      ip("link", "add", port, "type", "veth", "peer", "name", inner);
      ip("link", "set", port, "netns", bridgeNs);
      ip("link", "set", inner, "netns", ns);
      ip("-n", bridgeNs, "link", "set", port, "master", "br0");
      ip("-n", bridgeNs, "link", "set", port, "up");
      ip("-n", ns, "link", "set", "lo", "up");
      ip("-n", ns, "link", "set", inner, "name", "eth0");
      const addr = `${subnet}.${i + 1}`;
      ip("-n", ns, "addr", "add", `${addr}/24`, "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
      nodes[name] = { name, ns, ip: addr, port, wrap: ["ip", "netns", "exec", ns] };
    });
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    nodes, bridgeNs, destroy,
    cut: (name) => void ip("-n", bridgeNs, "link", "set", nodes[name]!.port, "down"),
    heal: (name) => void ip("-n", bridgeNs, "link", "set", nodes[name]!.port, "up"),
  };
}

/** Runs `peersync ARGS` inside a namespace to completion. */
export function runIn(node: LabNode, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const [cmd, ...pre] = node.wrap;
    const child = spawn(cmd!, [...pre, process.execPath, PEERSYNC_BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
    child.once("close", (code) => res({ code, stdout, stderr }));
  });
}

/** Namespaces this helper made that still exist (for the cleanup assertion). */
export function leftoverNamespaces(prefix = "psf-"): string[] {
  return ip("netns", "list").split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith(prefix));
}

/** True when this kernel has tc netem (a throwaway namespace is tried); false here: no sch_netem. */
export function netemAvailable(): boolean {
  const ns = `psf-netem-${process.pid}`;
  try {
    ip("netns", "add", ns);
    ip("-n", ns, "link", "set", "lo", "up");
    execFileSync("tc", ["-n", ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "100ms", "loss", "1%"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    try {
      ip("netns", "del", ns);
    } catch {
      // never made
    }
  }
}

/** 100 ms delay and 1 % loss on every bridge port of the lab (only where netemAvailable()). */
export function applyNetem(lab: NetLab): void {
  for (const node of Object.values(lab.nodes)) {
    execFileSync("tc", ["-n", lab.bridgeNs, "qdisc", "add", "dev", node.port, "root", "netem", "delay", "100ms", "loss", "1%"], { stdio: "ignore" });
  }
}
