import { parseConfig, type AppConfig } from './config.schema.js';

/**
 * The validated configuration, injectable anywhere. An abstract class so it
 * doubles as the DI token (no string tokens, no process.env reads elsewhere).
 */
export abstract class AppConfigService {
  abstract readonly values: AppConfig;

  get<K extends keyof AppConfig>(key: K): AppConfig[K] {
    return this.values[key];
  }

  get isProduction(): boolean {
    return this.values.NODE_ENV === 'production';
  }
}

class StaticConfig extends AppConfigService {
  constructor(readonly values: AppConfig) {
    super();
  }
}

export function configFromEnv(env: Record<string, string | undefined> = process.env): AppConfigService {
  return new StaticConfig(parseConfig(env));
}

export function configFrom(values: AppConfig): AppConfigService {
  return new StaticConfig(values);
}
