// Whether a process id names a running process on this host: the run lock's holder, the
// daemon's board and queue owner, a temp file's writer, the daemon a reload signals. Signal 0
// checks without sending anything; EPERM means it runs under another user.

/** True when `pid` (> 0) is a running process here. */
export function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
