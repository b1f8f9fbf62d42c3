// What a valid config means for a given node: groups, peers, roots, prefixes, defaults and our
// extensions. The example configs are those of csync2.md and DESIGN.md's scenarios.

import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../errors.js";
import { compileText, GOOD_KEY, group } from "./testing.js";
import { DEFAULT_PORT, type Config, type Group } from "./types.js";

// DESIGN.md "config-fleet": 7 nodes, `all` syncs hosts-like files, `lb` an nginx tree + reload.
const FLEET = `
# /etc/csync2.cfg of the config-fleet scenario
group all {
  host node1 node2 node3 node4 node5 node6 node7;
  key /etc/csync2.key;
  include /etc/hosts /etc/resolv.conf;
  include /etc/ssh/ssh_known_hosts;
  auto younger;
}

group lb {
  host node1 node2@10.0.0.2:30866 (node3);
  key /etc/csync2.key;
  include /etc/nginx;
  exclude /etc/nginx/*.bak *~;
  action {
    pattern /etc/nginx/*;
    exec "systemctl reload nginx";
    logfile "/var/log/csync2-nginx.log";
    do-local;
  }
  backup-directory /var/backups/csync2;
  backup-generations 3;
}
`;

// csync2.md §3.5, the annotated upstream example (keys inline in memory).
const UPSTREAM = `
group mygroup {
  host host1 host2 (host3);
  host host4@host4-eth2;
  key /etc/csync2.key_mygroup;
  include /etc/apache;
  include %homedir%/bob;
  exclude %homedir%/bob/temp;
  exclude *~ .*;
  action {
    pattern /etc/apache/httpd.conf;
    pattern /etc/apache/sites-available/*;
    exec "/usr/sbin/apache2ctl graceful";
    logfile "/var/log/csync2_action.log";
    do-local;
  }
  backup-directory /var/backups/csync2;
  backup-generations 3;
  auto none;
}
prefix homedir { on host[12]: /export/users; on *: /home; }
`;
const UPSTREAM_FILES = { "/etc/csync2.key_mygroup": `${GOOD_KEY}\n` };

const names = (hosts: readonly { name: string }[]): string[] => hosts.map((h) => h.name);
const only = (c: Config): Group => {
  assert.equal(c.groups.length, 1);
  return c.groups[0] as Group;
};

test("resolve() puts node1 of the fleet in all and lb, with every other host as a peer", () => {
  const c = compileText(FLEET, { node: "node1" });
  assert.deepEqual(c.groups.map((g) => g.name), ["all", "lb"]);
  assert.deepEqual(names(c.groups[0]?.peers ?? []), ["node2", "node3", "node4", "node5", "node6", "node7"]);
  assert.deepEqual(names(c.groups[1]?.peers ?? []), ["node2", "node3"]);
});

test("resolve() puts node5 of the fleet only in all: hosts outside lb never see it", () => {
  const c = compileText(FLEET, { node: "NODE5" });
  assert.equal(c.localName, "node5");
  assert.deepEqual(c.groups.map((g) => g.name), ["all"]);
});

test("resolve() maps name@address:port and receive-only hosts of lb", () => {
  const lb = compileText(FLEET, { node: "node1" }).groups[1] as Group;
  assert.deepEqual(lb.peers.map((h) => [h.name, h.address, h.port, h.receiveOnly]), [
    ["node2", "10.0.0.2", 30866, false],
    ["node3", "node3", DEFAULT_PORT, true],
  ]);
});

test("resolve() marks hosts listed before the local one as left of it (auto left/right)", () => {
  const all = compileText(FLEET, { node: "node3" }).groups[0] as Group;
  assert.deepEqual(all.peers.map((h) => [h.name, h.leftOfLocal]), [["node1", true], ["node2", true], ["node4", false], ["node5", false], ["node6", false], ["node7", false]]);
  assert.equal(all.local.leftOfLocal, false);
});

test("resolve() gives lb its nginx action with the reload command, logfile and do-local", () => {
  const lb = compileText(FLEET, { node: "node2" }).groups[1] as Group;
  assert.deepEqual(lb.actions.map(({ at: _at, ...a }) => a), [
    { patterns: ["/etc/nginx/*"], exec: "systemctl reload nginx", logfile: "/var/log/csync2-nginx.log", doLocal: true, doLocalOnly: false, timeoutMs: 60_000 },
  ]);
  assert.equal(lb.backupDirectory, "/var/backups/csync2");
  assert.equal(lb.backupGenerations, 3);
});

test("resolve() keeps the receive-only flag on the local host of lb for node3", () => {
  const lb = compileText(FLEET, { node: "node3" }).groups[1] as Group;
  assert.equal(lb.local.receiveOnly, true);
});

test("resolve() classifies fleet paths with the lb patterns", () => {
  const lb = compileText(FLEET, { node: "node1" }).groups[1] as Group;
  assert.equal(lb.match("/etc/nginx/sites/x.conf"), "match");
  assert.equal(lb.match("/etc/nginx/old.bak"), "ignore");
  assert.equal(lb.match("/etc/nginx/sites/x.conf~"), "ignore");
  assert.equal(lb.match("/etc"), "descend");
  assert.deepEqual(lb.roots, ["/etc/nginx"]);
});

test("resolve() reads the upstream example: host4@host4-eth2 is known as host4-eth2", () => {
  const g = only(compileText(UPSTREAM, { node: "host1", files: UPSTREAM_FILES }));
  const host4 = g.peers.find((h) => h.name === "host4");
  assert.equal(host4?.address, "host4-eth2");
  assert.deepEqual(names(g.peers), ["host2", "host3", "host4"]);
  assert.equal(g.peers[1]?.receiveOnly, true);
});

test("resolve() picks the first matching on line of a prefix block", () => {
  assert.equal(compileText(UPSTREAM, { node: "host2", files: UPSTREAM_FILES }).prefixes.get("homedir"), "/export/users");
  assert.equal(compileText(UPSTREAM, { node: "host4", files: UPSTREAM_FILES }).prefixes.get("homedir"), "/home");
});

test("resolve() gives roots in logical form and maps them through this node's prefix", () => {
  const c = compileText(UPSTREAM, { node: "host1", files: UPSTREAM_FILES });
  const g = only(c);
  assert.deepEqual(g.roots, ["/etc/apache", "%homedir%/bob"]);
  assert.equal(c.toLocalPath("%homedir%/bob/x"), "/export/users/bob/x");
  assert.equal(c.toLogicalPath("/export/users/bob/x"), "%homedir%/bob/x");
  assert.equal(c.toLogicalPath("/export/users"), "%homedir%");
  assert.equal(c.toLogicalPath("/export/usersx"), "/export/usersx");
  assert.equal(c.toLocalPath("/etc/apache"), "/etc/apache");
  assert.equal(g.match("%homedir%/bob/temp/x"), "ignore");
  assert.equal(g.match("%homedir%/bob/.bashrc"), "ignore");
  assert.equal(g.match("%homedir%/bob/notes"), "match");
});

test("toLocalPath() maps names with a newline, spaces and shell characters like any other", () => {
  const c = compileText(UPSTREAM, { node: "host1", files: UPSTREAM_FILES });
  assert.equal(c.toLocalPath("%homedir%/bob/new\nline"), "/export/users/bob/new\nline");
  assert.equal(c.toLocalPath("%homedir%/bob/\n"), "/export/users/bob/\n");
  assert.equal(c.toLocalPath("%homedir%/a b;$(x)`y`'\""), "/export/users/a b;$(x)`y`'\"");
  assert.equal(c.toLogicalPath("/export/users/bob/new\nline"), "%homedir%/bob/new\nline");
});

test("toLocalPath() throws a ConfigError for a prefix not defined here", () => {
  const c = compileText(UPSTREAM, { node: "host1", files: UPSTREAM_FILES });
  assert.throws(() => c.toLocalPath("%nope%/x"), ConfigError);
});

test("resolve() strips trailing slashes of patterns and prefix paths", () => {
  const c = compileText(`prefix p { on *: /srv/p/; }\n${group("  include /etc/x/ %p%/;")}`);
  assert.deepEqual(only(c).include, ["/etc/x", "%p%"]);
  assert.equal(c.prefixes.get("p"), "/srv/p");
});

test("resolve() keeps include, exclude and compare in config order for last-match-wins", () => {
  const g = only(compileText(group("  include /etc;\n  exclude /etc/ssl;\n  include /etc/ssl/certs;\n  compare /var/x;")));
  assert.equal(g.match("/etc/ssl/certs/a"), "match");
  assert.equal(g.match("/etc/ssl/private"), "ignore");
  assert.deepEqual(g.compare, ["/var/x"]);
  assert.equal(g.match("/var/x", { compareMode: true }), "match");
});

test("resolve() applies csync2's defaults: auto none, 3 generations, no backup dir, lock-timeout 12", () => {
  const c = compileText(group("  include /etc;"));
  const g = only(c);
  assert.equal(g.auto, "none");
  assert.equal(g.backupGenerations, 3);
  assert.equal(g.backupDirectory, undefined);
  assert.equal(g.maxDelete, undefined);
  assert.equal(c.lockTimeoutS, 12);
  assert.equal(c.tempdir, undefined);
  assert.deepEqual(c.ignore, { uid: false, gid: false, mod: false });
  assert.equal(c.port, DEFAULT_PORT);
  assert.equal(c.stateDir, "/var/lib/peersync");
});

test("resolve() names unnamed groups group_1, group_2 as csync2 does", () => {
  const c = compileText(`group { host a; key csync2.key; }\ngroup { host a; key csync2.key; }`);
  assert.deepEqual(c.groups.map((g) => g.name), ["group_1", "group_2"]);
});

test("resolve() lowercases host names and addresses, and compares with the lowercased node", () => {
  const g = only(compileText(`group g { host NodeA NodeB@Box.LAN; key csync2.key; }`, { node: "NODEA" }));
  assert.equal(g.local.name, "nodea");
  assert.deepEqual(g.peers.map((h) => [h.name, h.address]), [["nodeb", "box.lan"]]);
});

test("resolve() accepts several host statements and empty receive-only parentheses", () => {
  const g = only(compileText(`group g { host a; host b () (c d@e); host; key csync2.key; }`));
  assert.deepEqual(g.peers.map((h) => [h.name, h.address, h.receiveOnly]), [["b", "b", false], ["c", "c", true], ["d", "e", true]]);
});

test("resolve() reads IPv6 addresses with and without a port", () => {
  const g = only(compileText(`group g { host a b@fe80::1 c@[::1]:4000 d@[fd00::2]; key csync2.key; }`));
  assert.deepEqual(g.peers.map((h) => [h.address, h.port]), [["fe80::1", DEFAULT_PORT], ["::1", 4000], ["fd00::2", DEFAULT_PORT]]);
});

test("resolve() reads the global section: ignore, tempdir, lock-timeout, nossl, database", () => {
  const c = compileText(`ignore uid;\nignore mod gid;\ntempdir /var/tmp;\nlock-timeout 30;\nnossl * *;\ndatabase /var/lib/csync2;\n${group("")}`);
  assert.deepEqual(c.ignore, { uid: true, gid: true, mod: true });
  assert.equal(c.tempdir, "/var/tmp");
  assert.equal(c.lockTimeoutS, 30);
  assert.deepEqual(c.nossl, [{ from: "*", to: "*" }]);
});

test("resolve() reads do-local-only as implying do-local", () => {
  const g = only(compileText(group('  action { exec "x"; do-local-only; }')));
  assert.equal(g.actions[0]?.doLocal, true);
  assert.equal(g.actions[0]?.doLocalOnly, true);
  assert.deepEqual(g.actions[0]?.patterns, []);
  assert.equal(g.actions[0]?.logfile, "/dev/null");
});

test("resolve() reads our extensions: ports, max-delete, watch, debounce, rescan-interval, timeout, state-dir", () => {
  const text = `port 4000;\nstate-dir /srv/state;\nwatch no;\ndebounce 2s;\nmax-delete 10;\n` +
    `group g {\n  host a b c@x:5000;\n  key csync2.key;\n  port 4500;\n  rescan-interval 15m;\n  action { exec "x"; timeout 5s; }\n}\n` +
    `group h {\n  host a d;\n  key csync2.key;\n  watch yes;\n  max-delete 0;\n  debounce 100ms;\n}\n`;
  const c = compileText(text);
  const [g, h] = c.groups as [Group, Group];
  assert.equal(c.port, 4000);
  assert.equal(c.stateDir, "/srv/state");
  assert.deepEqual([g.local.port, ...g.peers.map((p) => p.port)], [4500, 4500, 5000]);
  assert.deepEqual(h.peers.map((p) => p.port), [4000]);
  assert.deepEqual([g.watch, g.debounceMs, g.rescanIntervalMs, g.maxDelete], [false, 2000, 900_000, 10]);
  assert.deepEqual([h.watch, h.debounceMs, h.rescanIntervalMs, h.maxDelete], [true, 100, 3_600_000, 0]);
  assert.equal(g.actions[0]?.timeoutMs, 5000);
});

test("resolve() lets --state-dir and -p override the config", () => {
  const c = compileText(`port 4000;\nstate-dir /srv/state;\n${group("")}`, { port: 5000, stateDir: "/tmp/s" });
  assert.equal(c.port, 5000);
  assert.equal(c.stateDir, "/tmp/s");
});

test("resolve() lets extension keywords be host names (they are not reserved)", () => {
  const g = only(compileText(`group g { host a watch port; key csync2.key; }`));
  assert.deepEqual(names(g.peers), ["watch", "port"]);
});

test("resolve() reads keys relative to the config directory and keeps the first line only", () => {
  const g = only(compileText(`group g { host a; key sub/k; }`, { files: { "/etc/sub/k": `${GOOD_KEY}\nsecond line with !!\n` } }));
  assert.equal(g.keyFile, "/etc/sub/k");
  assert.equal(g.key, GOOD_KEY);
});

test("resolve() accepts an include spliced into the middle of a group", () => {
  const c = compileText(`group g {\n  host a;\n  config parts/g.inc;\n}`, { files: { "/etc/parts/g.inc": "key csync2.key;\ninclude /etc/x;\n" } });
  assert.deepEqual(only(c).include, ["/etc/x"]);
});

test("resolve() returns frozen objects", () => {
  const c = compileText(group(""));
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.groups));
});

test("resolve() checks prefixes only for groups this node is in", () => {
  const c = compileText(`${group("")}group other { host x; key csync2.key; include %undefined%; }`);
  assert.deepEqual(c.groups.map((g) => g.name), ["g"]);
});

test("the annotated etc/peersync.cfg compiles and uses every keyword", async () => {
  const { readFileSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const text = readFileSync(fileURLToPath(new URL("../../../etc/peersync.cfg", import.meta.url)), "utf8");
  const c = compileText(text, { node: "node1", files: { "/etc/peersync.key": `${GOOD_KEY}\n` } });
  assert.deepEqual(c.groups.map((g) => g.name), ["all"]);
  const keywords = ["group", "host", "key", "include", "exclude", "compare", "auto", "action", "pattern", "exec", "logfile", "do-local",
    "do-local-only", "prefix", "on", "nossl", "ignore", "tempdir", "lock-timeout", "database", "backup-directory", "backup-generations",
    "no-cygwin-lowercase", "config", "port", "state-dir", "max-delete", "watch", "debounce", "rescan-interval", "timeout"];
  for (const k of keywords) assert.match(text, new RegExp(`^\\s*#?\\s*${k}\\b`, "m"), k);
});
