// `make demo`: a narrated tour of what peersync does today, on real processes and real files
// in a temp dir that is removed on exit (Ctrl-C included). It grows with every capability.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { demoDelta } from "../src/delta/demo-delta.js";

const BIN = resolve(fileURLToPath(new URL("../../bin/peersync", import.meta.url)));
const NODES = ["alpha", "beta", "gamma"] as const;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function peersync(args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(BIN, [...args], { encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

function show(run: Run, command: string): void {
  process.stdout.write(`$ ${command}\n`);
  for (const line of `${run.stdout}${run.stderr}`.trimEnd().split("\n")) process.stdout.write(`  ${line}\n`);
  process.stdout.write(`  (exit ${run.code})\n`);
}

async function step(label: string, args: readonly string[]): Promise<Run> {
  const run = await peersync(args);
  show(run, `peersync ${label}`);
  return run;
}

function writeConfig(dir: string, key: string, roots: Record<string, string>): string {
  const prefix = NODES.map((n) => `  on ${n}: ${roots[n]};`).join("\n");
  const text = [
    "# The demo cluster: three nodes on loopback, one group, a prefix per node.",
    `prefix site {\n${prefix}\n}`,
    "group web {",
    `  host ${NODES.map((n, i) => `${n}@127.0.0.1:${31865 + i}`).join(" ")};`,
    `  key ${key};`,
    "  include %site%;",
    "  exclude *.swp;",
    "  auto younger;",
    '  action { pattern %site%/conf/*; exec "echo reload for %%"; logfile ' + join(dir, "action.log") + "; }",
    "}",
    "",
  ].join("\n");
  const file = join(dir, "peersync.cfg");
  writeFileSync(file, text);
  return file;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "peersync-demo-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.on("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  try {
    say("A group key, in csync2's format (peersync -k)");
    const key = join(dir, "web.key");
    await step(`keygen ${key}`, ["keygen", key]);

    const roots: Record<string, string> = {};
    for (const n of NODES) {
      roots[n] = join(dir, n, "site");
      mkdirSync(join(roots[n]!, "conf"), { recursive: true });
    }
    const config = writeConfig(dir, key, roots);
    say("One config for every node; each resolves its own prefix (peersync config-check)");
    for (const n of NODES) {
      await step(`-N ${n} config-check`, ["--config", config, "-N", n, "-D", join(dir, n, "state"), "config-check"]);
    }

    say("Node alpha gets new files; check records them as pending for its peers");
    writeFileSync(join(roots["alpha"]!, "index.html"), "<h1>hello from alpha</h1>\n");
    writeFileSync(join(roots["alpha"]!, "conf", "site.conf"), "listen 80;\n");
    const alpha = ["--config", config, "-N", "alpha", "-D", join(dir, "alpha", "state")];
    await step("-N alpha check", [...alpha, "check"]);
    await step("-N alpha list-pending", [...alpha, "list-pending"]);

    say("Large files travel as librsync deltas (the native binding)");
    await demoDelta((line) => process.stdout.write(`  ${line}\n`));
  } finally {
    cleanup();
  }
}

await main();
