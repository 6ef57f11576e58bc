import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDevelopmentEnvFile } from './startup.js';

describe('the development .env file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
  const file = join(dir, '.env');
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fills what the environment does not set, before the start-up checks read it; the environment wins', () => {
    writeFileSync(file, 'COACHING_DOTENV_A=from-file\nCOACHING_DOTENV_B=from-file\n');
    process.env.NODE_ENV = 'development';
    process.env.COACHING_DOTENV_B = 'from-environment';
    loadDevelopmentEnvFile(file);
    expect(process.env.COACHING_DOTENV_A).toBe('from-file');
    expect(process.env.COACHING_DOTENV_B).toBe('from-environment');
  });

  it('is not read in production or tests', () => {
    writeFileSync(file, 'COACHING_DOTENV_C=from-file\n');
    for (const env of ['production', 'test']) {
      process.env.NODE_ENV = env;
      loadDevelopmentEnvFile(file);
      expect(process.env.COACHING_DOTENV_C).toBeUndefined();
    }
  });
});
