import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Role } from './enums.js';

@ObjectType()
export class Person {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone of an engagement\'s coach or client (UTC when none was given)' })
  timezone?: string | null;
}

@ObjectType()
export class Viewer {
  @Field(() => ID)
  id!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => ID)
  practiceId!: string;
}
