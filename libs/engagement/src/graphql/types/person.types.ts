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
