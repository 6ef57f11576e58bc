import { ENGAGEMENT_MIGRATIONS } from '#engagement';
import { PLATFORM_MIGRATIONS } from '#platform';
import { REMINDER_MIGRATIONS } from '#reminders';

/** Every lib's schema changes, assembled (TypeORM runs them in timestamp order). */
export const ALL_MIGRATIONS = [...PLATFORM_MIGRATIONS, ...ENGAGEMENT_MIGRATIONS, ...REMINDER_MIGRATIONS];
