import { Injectable, Logger } from '@nestjs/common';
import type { GraphQLFormattedError } from 'graphql';
import { AppConfigService, formatError } from '#platform';

/** What a caller sees of an error, over HTTP (Apollo's formatError) and over the websocket alike. */
@Injectable()
export class GraphqlErrorFormat {
  private readonly logger = new Logger('GraphQL');
  private readonly exposeUnexpected: boolean;

  constructor(config: AppConfigService) {
    this.exposeUnexpected = config.get('NODE_ENV') === 'development';
  }

  format(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    return formatError(formatted, error, {
      exposeUnexpected: this.exposeUnexpected,
      report: (err) => this.logger.error({ err, path: formatted.path }, 'unexpected error in a GraphQL operation'),
    });
  }
}
