import assert from "node:assert/strict";
import { test } from "node:test";
import { Debouncer, type Timers } from "./debouncer.js";

/** Hand-driven time: advance(ms) fires due timers in order. */
function fakeTime() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const api: Timers = {
    setTimeout: (fn, ms) => {
      timers.set(++nextId, { at: now + ms, fn });
      return nextId;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
  };
  const advance = (ms: number): void => {
    const end = now + ms;
    for (;;) {
      const due = [...timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = end;
  };
  return { timers: api, now: () => now, advance };
}

const cases: readonly { name: string; pokes: readonly number[]; delay: number; until: number; want: readonly number[] }[] = [
  { name: "a single change fires after the delay", pokes: [0], delay: 100, until: 1000, want: [100] },
  { name: "a burst within the delay fires once, after the last change", pokes: [0, 50, 90, 150], delay: 100, until: 1000, want: [250] },
  { name: "changes further apart than the delay fire separately", pokes: [0, 300], delay: 100, until: 1000, want: [100, 400] },
  { name: "a steady trickle still fires by the max wait", pokes: [0, 80, 160, 240, 320, 400, 480, 560, 640, 720, 800, 880, 960, 1040, 1120], delay: 100, until: 2000, want: [1000, 1220] },
];

for (const c of cases) {
  test(`Debouncer.poke(): ${c.name}`, () => {
    const time = fakeTime();
    const fired: number[] = [];
    const d = new Debouncer<string>(() => fired.push(time.now()), { timers: time.timers, now: time.now });
    let at = 0;
    for (const poke of c.pokes) {
      time.advance(poke - at);
      at = poke;
      d.poke("g", c.delay);
    }
    time.advance(c.until - at);
    assert.deepEqual(fired, c.want);
    assert.equal(d.size, 0);
  });
}

test("Debouncer keys are independent, flush() fires early and cancelAll() forgets", () => {
  const time = fakeTime();
  const fired: string[] = [];
  const d = new Debouncer<string>((key) => fired.push(`${key}@${time.now()}`), { timers: time.timers, now: time.now });
  d.poke("a", 100);
  d.poke("b", 300);
  time.advance(150);
  assert.deepEqual(fired, ["a@100"]);
  d.flush("b");
  assert.deepEqual(fired, ["a@100", "b@150"]);
  d.poke("c", 100);
  d.cancelAll();
  time.advance(1000);
  assert.deepEqual(fired, ["a@100", "b@150"]);
});
