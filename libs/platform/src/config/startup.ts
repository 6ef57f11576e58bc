import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { processLogger } from '../logging/log-format.js';
import { ConfigValidationError } from './config.schema.js';
import { DependencyUnavailableError } from './preflight.js';

/**
 * In development, a `.env` file in the working directory fills the variables the environment does
 * not set (as @nestjs/config reads it), before the configuration and the start-up checks read them.
 */
export function loadDevelopmentEnvFile(file = '.env'): void {
  if ((process.env.NODE_ENV || 'development') !== 'development' || !existsSync(file)) return;
  // the environment wins over the file
  for (const [k, v] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) if (process.env[k] === undefined) process.env[k] = v;
}

/**
 * Ends the process with a short, readable reason in the service's log format: one line per
 * configuration problem or unreachable service (no stack for those), the error with its stack otherwise.
 */
export function exitOnStartupError(err: unknown): never {
  const log = processLogger(process.env, 'info');
  if (err instanceof ConfigValidationError) {
    for (const problem of err.problems) log.fatal(`configuration: ${problem}`);
    log.fatal(`start-up stopped: ${err.problems.length} configuration problem(s) above (see README, Configuration)`);
  } else if (err instanceof DependencyUnavailableError) {
    for (const problem of err.problems) log.fatal(problem);
  } else {
    log.fatal({ err }, `start-up failed: ${err instanceof Error ? err.message : String(err)}`);
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
      processLogger(process.env, 'info').error(`still shutting down ${graceMs} ms after ${signal}: exiting`);
      process.exit(1);
    }, graceMs).unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
