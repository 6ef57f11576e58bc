// The Node test environment, plus: when a test file is over (after all of its own hooks, whatever
// happened: a failed beforeAll, a timed-out test), every child process it started and left running
// is killed (SIGKILL) and named. test/support/processes.ts tracks them in `__coachingChildren`.
const { TestEnvironment } = require('jest-environment-node');

class ChildReapingEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.children = new Set();
    this.global.__coachingChildren = this.children;
    this.testPath = context.testPath;
  }

  async teardown() {
    const running = [...this.children].filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      running.map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', () => resolve());
            if (!child.kill('SIGKILL')) resolve();
          }),
      ),
    );
    if (running.length > 0) {
      process.stderr.write(`${this.testPath}: killed ${running.length} child process(es) it left running (pids ${running.map((c) => c.pid).join(', ')})\n`);
    }
    await super.teardown();
  }
}

module.exports = ChildReapingEnvironment;
