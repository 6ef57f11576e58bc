import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Body, Controller, Get, HttpCode, NotFoundException, Post, Res, BadRequestException, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfigService, TokenService } from '#platform';
import { DEMO_PEOPLE, DEMO_PRACTICE_ID } from '../../../cli/src/seed-demo.js';

const DEMO_ROLES = { admin: 'ADMIN', coach: 'COACH', client: 'CLIENT' } as const;

/** Where the console's build is (`npm run build` writes dist/console). */
export function consoleDistDir(config: AppConfigService): string {
  return resolve(config.get('CONSOLE_DIST_DIR') ?? join(process.cwd(), 'dist/console'));
}

/**
 * The practice console's routes besides its static files: its configuration, the
 * development-only token of a demo person, and index.html for every client-side route.
 */
@Controller('console')
export class ConsoleController {
  constructor(
    private readonly config: AppConfigService,
    private readonly tokens: TokenService,
  ) {}

  private get development(): boolean {
    return this.config.get('NODE_ENV') === 'development';
  }

  @Get('config.json')
  consoleConfig() {
    const issuer = this.config.get('CONSOLE_OIDC_ISSUER');
    const clientId = this.config.get('CONSOLE_OIDC_CLIENT_ID');
    return {
      devSignIn: this.development
        ? { people: Object.entries(DEMO_PEOPLE).map(([key, p]) => ({ key, name: p.name, role: DEMO_ROLES[key as keyof typeof DEMO_ROLES] })) }
        : null,
      oidc:
        issuer && clientId
          ? {
              issuer,
              clientId,
              scope: this.config.get('CONSOLE_OIDC_SCOPE'),
              resource: this.config.get('CONSOLE_OIDC_RESOURCE') ?? this.config.get('JWT_AUDIENCE') ?? null,
            }
          : null,
    };
  }

  /** Development only (404 otherwise): what `npm run token` prints, for a seed-demo person. */
  @Post('dev/token')
  @HttpCode(200)
  async devToken(@Body() body: { person?: unknown; ttlSeconds?: unknown } | undefined) {
    if (!this.development) throw new NotFoundException();
    const key = body?.person;
    if (typeof key !== 'string' || !Object.hasOwn(DEMO_PEOPLE, key)) {
      throw new BadRequestException(`person must be one of ${Object.keys(DEMO_PEOPLE).join(', ')}`);
    }
    const ttl = body?.ttlSeconds ?? 3600;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > 43_200) {
      throw new BadRequestException('ttlSeconds must be a whole number from 1 to 43200');
    }
    const person = DEMO_PEOPLE[key as keyof typeof DEMO_PEOPLE];
    const token = await this.tokens.issue({
      practiceId: DEMO_PRACTICE_ID,
      role: DEMO_ROLES[key as keyof typeof DEMO_ROLES],
      sub: person.id,
      name: person.name,
      email: person.email,
      expiresIn: ttl,
    });
    return { token };
  }

  /** Client-side routes (/console, /console/engagements/…) all get the app's page. */
  @Get(['', '*path'])
  index(@Res() res: Response) {
    const page = join(consoleDistDir(this.config), 'index.html');
    if (!existsSync(page)) throw new ServiceUnavailableException('The console is not built: run `npm run build`.');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(page);
  }
}
