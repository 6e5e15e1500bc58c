/**
 * Sends `signal` to `pid`; false when the process is gone already (it may exit between a liveness
 * check and the signal: a stop must not fail on a process that stopped by itself). Any other
 * error (EPERM: someone else's process) is thrown.
 */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}
