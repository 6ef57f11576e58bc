import { ID } from '@nestjs/graphql';
import { z } from 'zod';
import { LIMITS } from '../../domain/limits.js';
import type { EngagementStatus } from '../../domain/types.js';
import { externalId, line } from '../input-validation.js';
import { EngagementStatus as EngagementStatusEnum } from './enums.js';
import { field, inputType } from './input-type.js';

// The inputs of queries, each declared once: a
// field's GraphQL type beside its validation (types/input-type.ts derives the
// @InputType class and the zod schema from it; resolvers call
// `validate(XInput.schema, raw, 'input')`). A command's input lives in its
// slice (commands/*.slice.ts), declared the same way.
//
// Nullability: a field is nullable in GraphQL exactly when its schema takes
// an absent value (`.nullish()`). The contract's nullable defaults
// (`offers: Int = 0`) add `defaultValue`; graphql-js fills it when the field
// is absent, but an explicit `null` still arrives as null.

export const EngagementFilter = inputType('EngagementFilter', {
  status: field(() => [EngagementStatusEnum], z.array(z.enum(['INTAKE', 'ACTIVE', 'PAUSED', 'CLOSED'] as [EngagementStatus, ...EngagementStatus[]])).max(4).nullish()),
  coachId: field(() => ID, externalId.nullish()),
  clientId: field(() => ID, externalId.nullish()),
  hasOverdueHomework: field(() => Boolean, z.boolean().nullish()),
  search: field(() => String, line(LIMITS.search).nullish(), { description: 'matches title, coach name or client name' }),
});
export type EngagementFilter = InstanceType<typeof EngagementFilter>;
