import { ConfigValidationError } from './config.schema.js';

/** Ends the process with a short, readable reason (no stack for a configuration mistake). */
export function exitOnStartupError(err: unknown): never {
  if (err instanceof ConfigValidationError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
}

/**
 * A graceful shutdown that never ends is worse than a quick one: after SIGTERM or SIGINT the
 * process has `graceMs` to finish its requests and jobs (Nest's shutdown hooks), then it says
 * it gave up and exits 1. Nothing is lost by that: a reminder's claim lapses and another worker
 * sends it, a subscriber resumes from its checkpoint. Keep it below the orchestrator's own grace
 * period (Docker's stop_grace_period, Kubernetes' terminationGracePeriodSeconds).
 */
export function exitWhenShutdownStalls(graceMs: number): void {
  const arm = (signal: NodeJS.Signals) => {
    setTimeout(() => {
      process.stderr.write(
        `${JSON.stringify({ level: 50, time: Date.now(), pid: process.pid, msg: `still shutting down ${graceMs} ms after ${signal}: exiting` })}\n`,
      );
      process.exit(1);
    }, graceMs).unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
