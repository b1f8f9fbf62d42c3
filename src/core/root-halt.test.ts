import assert from "node:assert/strict";
import { test } from "node:test";
import { haltMessage, haltStep, rootChange, type DirIdentity, type HaltStep, type RootChange } from "./root-halt.js";

const dir = (dev: number, ino: number): DirIdentity => ({ dev: BigInt(dev), ino: BigInt(ino) });

const changes: readonly { name: string; now: DirIdentity | undefined; want: RootChange }[] = [
  { name: "the same directory", now: dir(40, 2), want: "same" },
  { name: "nothing there (removed, or a root below an unmounted mount point)", now: undefined, want: "gone" },
  { name: "the bare mount point after an unmount (the parent's device)", now: dir(8, 1234), want: "replaced" },
  { name: "another disk mounted there (same inode number, other device)", now: dir(41, 2), want: "replaced" },
  { name: "a directory moved in on the same device", now: dir(40, 99), want: "replaced" },
];

for (const c of changes) {
  test(`rootChange() of a root watched as dev 40 ino 2 is ${c.want} for ${c.name}`, () => assert.equal(rootChange(dir(40, 2), c.now), c.want));
}

const steps: readonly { name: string; halted: readonly string[]; root: string; unmounted: boolean; want: HaltStep; after: readonly string[] }[] = [
  { name: "a running group's root found unmounted halts it", halted: [], root: "/a", unmounted: true, want: "halt", after: ["/a"] },
  { name: "a running group's root that looks fine changes nothing", halted: [], root: "/a", unmounted: false, want: "still", after: [] },
  { name: "a halted root still away says nothing again", halted: ["/a"], root: "/a", unmounted: true, want: "still", after: ["/a"] },
  { name: "the only halted root back resumes the group", halted: ["/a"], root: "/a", unmounted: false, want: "resume", after: [] },
  { name: "a second root away is its own halt", halted: ["/a"], root: "/b", unmounted: true, want: "halt", after: ["/a", "/b"] },
  { name: "one of two halted roots back keeps the group halted", halted: ["/a", "/b"], root: "/a", unmounted: false, want: "root-back", after: ["/b"] },
  { name: "another root of a halted group that looks fine changes nothing", halted: ["/a"], root: "/b", unmounted: false, want: "still", after: ["/a"] },
];

for (const c of steps) {
  test(`haltStep(): ${c.name}`, () => {
    const before = new Set(c.halted);
    const r = haltStep(before, c.root, c.unmounted);
    assert.equal(r.step, c.want);
    assert.deepEqual([...r.halted].sort(), [...c.after]);
    assert.deepEqual([...before], [...c.halted], "the set passed in is not changed");
  });
}

test("haltMessage() names the group, the root on both sides of the prefix, and both ways out", () => {
  const m = haltMessage("www", "%disk%/www", "/mnt/disk/www");
  for (const part of ['"www"', "%disk%/www", "/mnt/disk/www", "unmounted", "no deletion is sent", "mount the disk again", "config"]) {
    assert.ok(m.includes(part), `${part} in: ${m}`);
  }
});
