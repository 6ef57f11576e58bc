import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)); // dist/bench/ -> repo root
/** BENCH_APP_ROOT: run the apps of another built checkout (e.g. the base commit, for a before/after comparison) */
const APP_ROOT = process.env.BENCH_APP_ROOT ?? ROOT;

export interface Service {
  url: string;
  /** the child's process id (its resident memory: /proc/<pid>/status) */
  pid: number;
  stop(): Promise<void>;
}

/**
 * The Node.js flags the image runs every process with (docker/Dockerfile's `ENV NODE_OPTIONS=` of its
 * runtime stage, e.g. the young generation's size): the bench runs the apps as deployed.
 */
export function deployedNodeFlags(): string[] {
  const dockerfile = readFileSync(fileURLToPath(new URL('../../docker/Dockerfile', import.meta.url)), 'utf8');
  const runtime = dockerfile.slice(dockerfile.search(/^FROM \S+ AS runtime$/m));
  const m = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(runtime);
  return m ? m[1]!.split(/\s+/).filter(Boolean) : [];
}

/**
 * Ports nothing listens on, picked by the OS (held open together, so they differ): a random one in a range
 * can be taken (NATS listens on 4222 on this machine, and a core run whose fresh API drew it failed with
 * "api exited with 1").
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/** Runs a compiled app (dist/apps/<app>/src/main.js) as a child process, as production would. */
export async function startApp(
  app: 'api' | 'worker',
  env: Record<string, string>,
  port?: number,
  nodeArgs: string[] = [],
  /** another built checkout's apps (bench/ab.ts's variants); BENCH_APP_ROOT or this one otherwise */
  root = APP_ROOT,
): Promise<Service> {
  // BENCH_CPU_PROF=worker (or api) writes a V8 CPU profile of that process to bench/out/
  const profile = process.env.BENCH_CPU_PROF === app ? ['--cpu-prof', '--cpu-prof-dir=bench/out'] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, ...deployedNodeFlags(), ...nodeArgs, `dist/apps/${app}/src/main.js`], {
    cwd: root,
    env: { ...process.env, ...env, ...(port ? { PORT: String(port) } : {}) },
    stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'inherit'],
  });
  const url = port ? `http://127.0.0.1:${port}` : '';
  if (port) await untilReady(child, app, () => fetch(`${url}/health/live`));
  return serviceOf(child, url);
}

/**
 * Waits until `probe` answers 2xx; fails when the child exits first or, killing it so it is not left running
 * behind the failed section, after BENCH_START_TIMEOUT_MS (a loaded shared machine can take over a minute).
 */
export async function untilReady(child: ChildProcess, name: string, probe: () => Promise<Response>): Promise<void> {
  const startMs = Number(process.env.BENCH_START_TIMEOUT_MS ?? 120_000);
  const deadline = Date.now() + startMs;
  for (;;) {
    try {
      if ((await probe()).ok) return;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start within ${startMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A started child as a Service: `stop` sends SIGTERM and resolves once it has exited (at once if it has). */
export function serviceOf(child: ChildProcess, url: string): Service {
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

