import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

function binary(name: string): string {
  const found = [`/usr/bin/${name}`, `/usr/local/bin/${name}`].find((p) => existsSync(p));
  if (!found) throw new Error(`${name} is not installed: apt-get install redis-server (Redis Cluster tests need ${name})`);
  return found;
}

/** A free port whose cluster bus port (+10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  const probe = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await probe(port)) && (await probe(port + 10_000))) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

const live = new Set<ChildProcess>();
const killAll = () => {
  for (const child of live) child.kill('SIGKILL');
};
process.once('exit', killAll);
// a run stopped by a signal (Ctrl-C, a CI timeout) does not reach 'exit' handlers: kill them, then die of it
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

export interface ClusterNode {
  port: number;
  child: ChildProcess;
}

/**
 * Six `redis-server` processes in cluster mode on free loopback ports (three primaries, three
 * replicas), joined with `redis-cli --cluster create`. Every process is tracked and killed by
 * `stop()`, and by this process's exit if a test never gets there; the data directory is removed.
 */
export class LocalRedisCluster {
  private constructor(
    readonly nodes: ClusterNode[],
    readonly dir: string,
  ) {}

  /** REDIS_CLUSTER_NODES */
  get spec(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  static async start(): Promise<LocalRedisCluster> {
    const server = binary('redis-server');
    const cli = binary('redis-cli');
    const dir = mkdtempSync(join(tmpdir(), 'coaching-redis-cluster-'));
    const nodes: ClusterNode[] = [];
    const cluster = new LocalRedisCluster(nodes, dir);
    try {
      const taken = new Set<number>();
      for (let i = 0; i < 6; i++) {
        const port = await freeClusterPort(taken);
        taken.add(port).add(port + 10_000);
        const child = spawn(
          server,
          [
            '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
            '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000',
            '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no',
            '--maxmemory-policy', 'noeviction', '--repl-diskless-sync-delay', '0', '--daemonize', 'no', '--logfile', '',
          ],
          { stdio: 'ignore' },
        );
        live.add(child);
        child.once('exit', () => live.delete(child));
        nodes.push({ port, child });
      }
      for (const n of nodes) {
        await waitFor(`redis-server on ${n.port}`, async () => (await cluster.cli(n.port, 'PING').catch(() => '')).trim() === 'PONG', {
          timeoutMs: 15_000,
          intervalMs: 50,
        });
      }
      await run(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], {
        timeout: 60_000,
      });
      await cluster.waitHealthy(nodes);
      // a replica that has not finished its first sync cannot take over: wait for every link
      await waitFor(
        'every replica in sync with its primary',
        async () => {
          let linked = 0;
          for (const n of nodes) {
            const info = await cluster.cli(n.port, 'INFO', 'replication').catch(() => '');
            if (/role:slave/.test(info) && /master_link_status:up/.test(info)) linked += 1;
          }
          return linked === 3;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  async cli(port: number, ...args: string[]): Promise<string> {
    const { stdout } = await run(binary('redis-cli'), ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
    return stdout;
  }

  /** Every live node says cluster_state:ok and all 16384 slots are served. */
  async waitHealthy(nodes = this.nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null)): Promise<void> {
    await waitFor(
      'the Redis Cluster to be healthy',
      async () => {
        for (const n of nodes) {
          const info = await this.cli(n.port, 'CLUSTER', 'INFO').catch(() => '');
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }

  /** The port of the primary serving `slot`, as a live node sees it (CLUSTER NODES: slot ranges from field 9 on). */
  async primaryOfSlot(slot: number): Promise<number> {
    for (const f of await this.nodeLines()) {
      if (!f[2]!.includes('master') || f[2]!.includes('fail')) continue;
      for (const range of f.slice(8)) {
        const [a, b] = range.split('-').map(Number);
        if (slot >= a! && slot <= (b ?? a!)) return Number(f[1]!.split('@')[0]!.split(':')[1]);
      }
    }
    throw new Error(`no primary serves slot ${slot}`);
  }

  private async nodeLines(): Promise<string[][]> {
    const from = this.nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null)!;
    return (await this.cli(from.port, 'CLUSTER', 'NODES'))
      .trim()
      .split('\n')
      .map((l) => l.trim().split(' '));
  }

  async keyslot(key: string): Promise<number> {
    const from = this.nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null)!;
    return Number((await this.cli(from.port, 'CLUSTER', 'KEYSLOT', key)).trim());
  }

  /** Ports of the current primaries, as a live node sees them. */
  async primaries(): Promise<number[]> {
    return (await this.nodeLines())
      .filter((f) => f[2]!.includes('master') && !f[2]!.includes('fail'))
      .map((f) => Number(f[1]!.split('@')[0]!.split(':')[1]));
  }

  /** SIGKILL one node and wait for it to be gone. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((n) => n.port === port)!;
    if (node.child.exitCode !== null || node.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
    node.child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        if (n.child.exitCode !== null || n.child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => n.child.once('exit', () => resolve()));
        n.child.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}
