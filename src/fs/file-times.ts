// A recorded mtime (ns since the epoch) as the ways of setting it take it: to the nanosecond
// for futimens/utimensat (fs/set-times.ts), to the microsecond, rounded down, for Node's utimes
// (libuv's precision) and where the addon is missing; also before 1970.

/** a / b rounded toward minus infinity (BigInt division rounds toward zero). */
const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** (seconds, nanoseconds) of a time in ns, exactly (nanoseconds 0..999999999, before 1970 too): for futimens(2). */
export function nsTimespec(ns: bigint): [number, number] {
  const sec = floorDiv(ns, 1_000_000_000n);
  return [Number(sec), Number(ns - sec * 1_000_000_000n)];
}

/** (seconds, nanoseconds) of a time in ns, whole microseconds, rounded down: for futimens(2). */
export function microsecondTimespec(ns: bigint): [number, number] {
  const us = floorDiv(ns, 1000n);
  const sec = floorDiv(us, 1_000_000n);
  return [Number(sec), Number(us - sec * 1_000_000n) * 1000];
}

/**
 * The time argument of Node's utimes/futimes/lutimes that sets exactly the microsecond of `ns`.
 * - libuv truncates a time to the microsecond toward zero, so to the one below for a time
 *   after 1970 and to the one above for a time before; a double near 1.7e9 s has ~0.24 µs
 *   resolution. So the double aims at the middle of the interval libuv maps onto that
 *   microsecond, where rounding cannot push it into the next one.
 * - Node takes a negative number for "now" (a file from 1969 would get the receive time), but
 *   takes a numeric string as it is: a time before 1970 goes as its string.
 */
export function utimeArg(ns: bigint): number | string {
  const [sec, nsec] = microsecondTimespec(ns);
  const us = nsec / 1000;
  if (sec >= 0) return sec + (us + 0.5) / 1e6;
  return String(sec + (us - 0.5) / 1e6);
}
