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
