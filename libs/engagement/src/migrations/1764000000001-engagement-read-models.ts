import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of engagements, shaped for the GraphQL queries. Each is a
 * projection of the event log and can be dropped and rebuilt from it.
 * Every row carries its practice (row-level security, tenant filters).
 */
export class EngagementReadModels1764000000001 implements MigrationInterface {
  name = 'EngagementReadModels1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE TABLE engagements (
      id                      uuid PRIMARY KEY,
      practice_id             text        NOT NULL,
      title                   text        NOT NULL,
      status                  text        NOT NULL,
      coach_id                text        NOT NULL,
      coach_name              text        NOT NULL,
      coach_email             text,
      client_id               text        NOT NULL,
      client_name             text        NOT NULL,
      client_email            text,
      intake                  jsonb,
      outcome                 text,
      close_note              text,
      open_homework_count     integer     NOT NULL DEFAULT 0,
      awaiting_feedback_count integer     NOT NULL DEFAULT 0,
      opened_at               timestamptz NOT NULL,
      updated_at              timestamptz NOT NULL,
      closed_at               timestamptz,
      version                 integer     NOT NULL
    )`);
    await q.query(`CREATE INDEX engagements_practice_page ON engagements (practice_id, opened_at DESC, id DESC)`);
    await q.query(`CREATE INDEX engagements_practice_coach ON engagements (practice_id, coach_id, opened_at DESC)`);
    await q.query(`CREATE INDEX engagements_practice_client ON engagements (practice_id, client_id, opened_at DESC)`);
    await q.query(
      `CREATE INDEX engagements_search ON engagements USING gin ((lower(title || ' ' || coach_name || ' ' || client_name)) gin_trgm_ops)`,
    );

    await q.query(`CREATE TABLE homework (
      id              uuid PRIMARY KEY,
      engagement_id   uuid        NOT NULL REFERENCES engagements (id),
      practice_id     text        NOT NULL,
      title           text        NOT NULL,
      instructions    text        NOT NULL,
      due_at          timestamptz,
      status          text        NOT NULL,
      assigned_at     timestamptz NOT NULL,
      latest_draft_id uuid,
      draft_count     integer     NOT NULL DEFAULT 0,
      updated_at      timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX homework_engagement ON homework (engagement_id, assigned_at)`);
    await q.query(
      `CREATE INDEX homework_open_due ON homework (practice_id, due_at) WHERE status IN ('ASSIGNED', 'SUBMITTED', 'CHANGES_REQUESTED')`,
    );

    await q.query(`CREATE TABLE drafts (
      id            uuid PRIMARY KEY,
      homework_id   uuid        NOT NULL REFERENCES homework (id),
      engagement_id uuid        NOT NULL,
      practice_id   text        NOT NULL,
      revision      integer     NOT NULL,
      content       text        NOT NULL,
      submitted_at  timestamptz NOT NULL,
      UNIQUE (homework_id, revision)
    )`);

    await q.query(`CREATE TABLE feedback (
      id               uuid PRIMARY KEY,
      draft_id         uuid        NOT NULL UNIQUE REFERENCES drafts (id),
      homework_id      uuid        NOT NULL,
      engagement_id    uuid        NOT NULL,
      practice_id      text        NOT NULL,
      verdict          text        NOT NULL,
      comments         text        NOT NULL,
      given_by_id      text        NOT NULL,
      given_by_name    text        NOT NULL,
      given_by_email   text,
      given_at         timestamptz NOT NULL,
      turnaround_hours double precision NOT NULL
    )`);
    await q.query(`CREATE INDEX feedback_practice_given ON feedback (practice_id, given_at)`);

    await q.query(`CREATE TABLE coaching_sessions (
      id               uuid PRIMARY KEY,
      engagement_id    uuid        NOT NULL REFERENCES engagements (id),
      practice_id      text        NOT NULL,
      held_at          timestamptz NOT NULL,
      duration_minutes integer     NOT NULL,
      summary          text        NOT NULL,
      logged_at        timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX coaching_sessions_engagement ON coaching_sessions (engagement_id, held_at)`);

    // intake baseline plus every logged activity, summed per channel
    await q.query(`CREATE TABLE job_search_stats (
      engagement_id uuid    NOT NULL REFERENCES engagements (id),
      practice_id   text    NOT NULL,
      channel       text    NOT NULL,
      applications  bigint  NOT NULL DEFAULT 0,
      interviews    bigint  NOT NULL DEFAULT 0,
      offers        bigint  NOT NULL DEFAULT 0,
      PRIMARY KEY (engagement_id, channel)
    )`);
    await q.query(`CREATE INDEX job_search_stats_practice ON job_search_stats (practice_id)`);

    // the decider's state at the stream's version, so a command need not replay the stream
    await q.query(`CREATE TABLE engagement_snapshots (
      stream_id     text PRIMARY KEY,
      practice_id   text    NOT NULL,
      version       integer NOT NULL,
      state_version integer NOT NULL,
      state         jsonb   NOT NULL
    )`);

    await q.query(`CREATE TABLE practice_settings (
      practice_id               text PRIMARY KEY,
      webhook_url               text,
      webhook_secret            text,
      email_reminders           boolean     NOT NULL DEFAULT false,
      due_soon_offsets_minutes  integer[]   NOT NULL DEFAULT '{1440}',
      overdue_after_minutes     integer     NOT NULL DEFAULT 1440,
      feedback_window_minutes   integer     NOT NULL DEFAULT 2880,
      updated_at                timestamptz NOT NULL DEFAULT now(),
      updated_by                text
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'practice_settings',
      'engagement_snapshots',
      'job_search_stats',
      'coaching_sessions',
      'feedback',
      'drafts',
      'homework',
      'engagements',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
