import { execFileSync, execSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

// Restarting the machine's own PostgreSQL and Redis, the way .ci/run starts
// them. These tests need the services on this machine and the right to
// restart them (root in CI); without that they fail, loudly.

export function restartPostgres(): void {
  const version = readdirSync('/etc/postgresql').sort().at(-1)!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart', '-m', 'fast'], { stdio: 'inherit' });
}

export function stopPostgres(): void {
  const version = readdirSync('/etc/postgresql').sort().at(-1)!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop', '-m', 'fast'], { stdio: 'inherit' });
}

export function startPostgres(): void {
  const version = readdirSync('/etc/postgresql').sort().at(-1)!;
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
}

/** Stops Redis without saving (it keeps nothing on disk here: every job is lost) and starts it again. */
export function restartRedis(): void {
  try {
    execSync('redis-cli -h 127.0.0.1 -p 6379 shutdown nosave', { stdio: 'ignore' });
  } catch {
    // the connection drops as it shuts down
  }
  execSync(
    'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
    { stdio: 'inherit', shell: '/bin/bash' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      execSync('redis-cli -h 127.0.0.1 -p 6379 ping', { stdio: 'ignore' });
      return;
    } catch {
      execSync('sleep 0.1');
    }
  }
  throw new Error('Redis did not come back');
}
