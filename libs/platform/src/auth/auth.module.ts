import { Global, Module } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { TokenService } from './token.service.js';

/** Bearer tokens and secrets at rest. */
@Global()
@Module({
  providers: [
    TokenService,
    {
      provide: SecretBox,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) =>
        SecretBox.fromConfig(config.get('SECRETS_KEYS'), { production: config.isProduction, seed: config.get('JWT_SECRET') }),
    },
  ],
  exports: [TokenService, SecretBox],
})
export class AuthModule {}
