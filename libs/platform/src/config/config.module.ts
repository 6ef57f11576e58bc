import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService } from '@nestjs/config';
import { AppConfigService, configFrom } from './app-config.js';
import { configSchema, parseConfig, type AppConfig } from './config.schema.js';

/**
 * @nestjs/config loads the environment (and a `.env` file in development) and
 * validates it with our schema; AppConfigService gives typed access to it.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: ConfigModule,
      imports: [
        NestConfigModule.forRoot({
          ignoreEnvFile: process.env.NODE_ENV === 'production' || process.env.NODE_ENV === 'test',
          validate: (env) => parseConfig({ ...env, ...overrides }),
        }),
      ],
      providers: [
        {
          provide: AppConfigService,
          inject: [ConfigService],
          useFactory: (nest: ConfigService) => {
            // ConfigService.get answers from the validated (coerced) values first
            const values = Object.fromEntries(Object.keys(configSchema.shape).map((k) => [k, nest.get(k)]));
            return configFrom(values as AppConfig);
          },
        },
      ],
      exports: [AppConfigService],
    };
  }
}
