import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Citus-ready keys: every primary key, unique constraint and foreign key of a practice table
 * starts with `practice_id`, the distribution column a Citus cluster would shard by (Citus wants
 * it in each of them; docs/scaling.md "Citus"). Constraint names stay (the event store maps a
 * violation of `events_stream_version` to a stale expected version). Ids stay unique in practice:
 * they are uuids and sequence numbers. `test/scale/citus-ready.int-spec.ts` reads the catalog and
 * fails on any table or constraint that breaks the rule.
 */
export class PracticeInEveryKey1764000000100 implements MigrationInterface {
  name = 'PracticeInEveryKey1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE homework DROP CONSTRAINT homework_engagement_id_fkey;
      ALTER TABLE drafts DROP CONSTRAINT drafts_homework_id_fkey;
      ALTER TABLE feedback DROP CONSTRAINT feedback_draft_id_fkey;
      ALTER TABLE coaching_sessions DROP CONSTRAINT coaching_sessions_engagement_id_fkey;
      ALTER TABLE job_search_stats DROP CONSTRAINT job_search_stats_engagement_id_fkey;

      ALTER TABLE events DROP CONSTRAINT events_pkey, ADD CONSTRAINT events_pkey PRIMARY KEY (practice_id, position);
      ALTER TABLE events DROP CONSTRAINT events_stream_version, ADD CONSTRAINT events_stream_version UNIQUE (practice_id, stream_id, version);
      ALTER TABLE events DROP CONSTRAINT events_event_id, ADD CONSTRAINT events_event_id UNIQUE (practice_id, event_id);
      ALTER TABLE engagement_snapshots DROP CONSTRAINT engagement_snapshots_pkey, ADD CONSTRAINT engagement_snapshots_pkey PRIMARY KEY (practice_id, stream_id);
      ALTER TABLE engagements DROP CONSTRAINT engagements_pkey, ADD CONSTRAINT engagements_pkey PRIMARY KEY (practice_id, id);
      ALTER TABLE homework DROP CONSTRAINT homework_pkey, ADD CONSTRAINT homework_pkey PRIMARY KEY (practice_id, id);
      ALTER TABLE drafts DROP CONSTRAINT drafts_pkey, ADD CONSTRAINT drafts_pkey PRIMARY KEY (practice_id, id);
      ALTER TABLE drafts DROP CONSTRAINT drafts_homework_id_revision_key, ADD CONSTRAINT drafts_homework_id_revision_key UNIQUE (practice_id, homework_id, revision);
      ALTER TABLE feedback DROP CONSTRAINT feedback_pkey, ADD CONSTRAINT feedback_pkey PRIMARY KEY (practice_id, id);
      ALTER TABLE feedback DROP CONSTRAINT feedback_draft_id_key, ADD CONSTRAINT feedback_draft_id_key UNIQUE (practice_id, draft_id);
      ALTER TABLE coaching_sessions DROP CONSTRAINT coaching_sessions_pkey, ADD CONSTRAINT coaching_sessions_pkey PRIMARY KEY (practice_id, id);
      ALTER TABLE job_search_stats DROP CONSTRAINT job_search_stats_pkey, ADD CONSTRAINT job_search_stats_pkey PRIMARY KEY (practice_id, engagement_id, channel);
      ALTER TABLE reminders DROP CONSTRAINT reminders_pkey, ADD CONSTRAINT reminders_pkey PRIMARY KEY (practice_id, id);
      ALTER TABLE access_audit DROP CONSTRAINT access_audit_pkey, ADD CONSTRAINT access_audit_pkey PRIMARY KEY (practice_id, id);

      ALTER TABLE homework ADD CONSTRAINT homework_engagement_id_fkey FOREIGN KEY (practice_id, engagement_id) REFERENCES engagements (practice_id, id);
      ALTER TABLE drafts ADD CONSTRAINT drafts_homework_id_fkey FOREIGN KEY (practice_id, homework_id) REFERENCES homework (practice_id, id);
      ALTER TABLE feedback ADD CONSTRAINT feedback_draft_id_fkey FOREIGN KEY (practice_id, draft_id) REFERENCES drafts (practice_id, id);
      ALTER TABLE coaching_sessions ADD CONSTRAINT coaching_sessions_engagement_id_fkey FOREIGN KEY (practice_id, engagement_id) REFERENCES engagements (practice_id, id);
      ALTER TABLE job_search_stats ADD CONSTRAINT job_search_stats_engagement_id_fkey FOREIGN KEY (practice_id, engagement_id) REFERENCES engagements (practice_id, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE homework DROP CONSTRAINT homework_engagement_id_fkey;
      ALTER TABLE drafts DROP CONSTRAINT drafts_homework_id_fkey;
      ALTER TABLE feedback DROP CONSTRAINT feedback_draft_id_fkey;
      ALTER TABLE coaching_sessions DROP CONSTRAINT coaching_sessions_engagement_id_fkey;
      ALTER TABLE job_search_stats DROP CONSTRAINT job_search_stats_engagement_id_fkey;

      ALTER TABLE events DROP CONSTRAINT events_pkey, ADD CONSTRAINT events_pkey PRIMARY KEY (position);
      ALTER TABLE events DROP CONSTRAINT events_stream_version, ADD CONSTRAINT events_stream_version UNIQUE (stream_id, version);
      ALTER TABLE events DROP CONSTRAINT events_event_id, ADD CONSTRAINT events_event_id UNIQUE (event_id);
      ALTER TABLE engagement_snapshots DROP CONSTRAINT engagement_snapshots_pkey, ADD CONSTRAINT engagement_snapshots_pkey PRIMARY KEY (stream_id);
      ALTER TABLE engagements DROP CONSTRAINT engagements_pkey, ADD CONSTRAINT engagements_pkey PRIMARY KEY (id);
      ALTER TABLE homework DROP CONSTRAINT homework_pkey, ADD CONSTRAINT homework_pkey PRIMARY KEY (id);
      ALTER TABLE drafts DROP CONSTRAINT drafts_pkey, ADD CONSTRAINT drafts_pkey PRIMARY KEY (id);
      ALTER TABLE drafts DROP CONSTRAINT drafts_homework_id_revision_key, ADD CONSTRAINT drafts_homework_id_revision_key UNIQUE (homework_id, revision);
      ALTER TABLE feedback DROP CONSTRAINT feedback_pkey, ADD CONSTRAINT feedback_pkey PRIMARY KEY (id);
      ALTER TABLE feedback DROP CONSTRAINT feedback_draft_id_key, ADD CONSTRAINT feedback_draft_id_key UNIQUE (draft_id);
      ALTER TABLE coaching_sessions DROP CONSTRAINT coaching_sessions_pkey, ADD CONSTRAINT coaching_sessions_pkey PRIMARY KEY (id);
      ALTER TABLE job_search_stats DROP CONSTRAINT job_search_stats_pkey, ADD CONSTRAINT job_search_stats_pkey PRIMARY KEY (engagement_id, channel);
      ALTER TABLE reminders DROP CONSTRAINT reminders_pkey, ADD CONSTRAINT reminders_pkey PRIMARY KEY (id);
      ALTER TABLE access_audit DROP CONSTRAINT access_audit_pkey, ADD CONSTRAINT access_audit_pkey PRIMARY KEY (id);

      ALTER TABLE homework ADD CONSTRAINT homework_engagement_id_fkey FOREIGN KEY (engagement_id) REFERENCES engagements (id);
      ALTER TABLE drafts ADD CONSTRAINT drafts_homework_id_fkey FOREIGN KEY (homework_id) REFERENCES homework (id);
      ALTER TABLE feedback ADD CONSTRAINT feedback_draft_id_fkey FOREIGN KEY (draft_id) REFERENCES drafts (id);
      ALTER TABLE coaching_sessions ADD CONSTRAINT coaching_sessions_engagement_id_fkey FOREIGN KEY (engagement_id) REFERENCES engagements (id);
      ALTER TABLE job_search_stats ADD CONSTRAINT job_search_stats_engagement_id_fkey FOREIGN KEY (engagement_id) REFERENCES engagements (id);
    `);
  }
}
