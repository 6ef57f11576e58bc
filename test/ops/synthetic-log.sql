-- A synthetic event log for measuring `rebuild-projection` at volume (not a test).
-- Appends :engagements engagement histories of 10 events each (opened, intake,
-- two homework, two drafts, two verdicts, a session, job-search activity) in
-- 50 practices, as the domain would have stored them, in chunks of 10,000
-- engagements per transaction. Only the events: the read models are left as
-- they are, so a rebuild afterwards builds them from the log.
--
--   psql -v engagements=100000 -f test/ops/synthetic-log.sql postgres://postgres@127.0.0.1:5432/coaching_rebuild_rate
--
-- Run as the schema owner on a migrated scratch database (see docs/scaling.md, "Rebuild rate").
\set ON_ERROR_STOP on
-- (run again, it appends the next engagements)
SELECT count(*) / 10 AS start FROM events WHERE stream_id LIKE '00000000-0000-4000-8000-%' \gset
SELECT set_config('synthetic.lo', (:start + 1)::text, false), set_config('synthetic.hi', (:start + :engagements)::text, false);

DO $$
DECLARE
  lo bigint := current_setting('synthetic.lo')::bigint;
  hi bigint := current_setting('synthetic.hi')::bigint;
  chunk bigint := 10000;
  from_g bigint;
BEGIN
  from_g := lo;
  WHILE from_g <= hi LOOP
    INSERT INTO events (event_id, stream_id, version, type, data, metadata, practice_id, occurred_at)
    SELECT gen_random_uuid(), e.id::text, s.v, s.type, s.data,
           jsonb_build_object('actorId', s.actor, 'actorRole', CASE s.actor WHEN 'client-1' THEN 'CLIENT' ELSE 'COACH' END,
                              'practiceId', e.practice, 'correlationId', gen_random_uuid(), 'causationId', 'synthetic',
                              'occurredAt', to_char((e.at + s.v * interval '1 minute') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
           e.practice, e.at + s.v * interval '1 minute'
      FROM (SELECT g,
                   ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid AS id,
                   'synthetic-' || (g % 50) AS practice,
                   date_trunc('milliseconds', now()) - interval '30 days' AS at,
                   md5(g || ':h1')::uuid AS h1, md5(g || ':h2')::uuid AS h2,
                   md5(g || ':d1')::uuid AS d1, md5(g || ':d2')::uuid AS d2
              FROM generate_series(from_g, least(from_g + chunk - 1, hi)) g) e
      CROSS JOIN LATERAL (VALUES
        (1, 'EngagementOpened', 'coach-1', jsonb_build_object('engagementId', e.id, 'practiceId', e.practice,
            'coach', jsonb_build_object('id', 'coach-1', 'name', 'Coach One', 'email', 'coach@example.com'),
            'client', jsonb_build_object('id', 'client-1', 'name', 'Client ' || e.g, 'email', null),
            'title', 'Synthetic engagement ' || e.g)),
        (2, 'IntakeRecorded', 'coach-1', jsonb_build_object('presentingQuestion', 'What am I doing wrong?', 'background', 'Senior IT',
            'goals', jsonb_build_array('Networking'), 'currentStrategy', 'Job boards',
            'baseline', jsonb_build_array(jsonb_build_object('channel', 'JOB_BOARD', 'applications', 500, 'interviews', 8, 'offers', 0)))),
        (3, 'HomeworkAssigned', 'coach-1', jsonb_build_object('homeworkId', e.h1, 'title', 'Articulate your hook', 'instructions', 'Script it',
            'dueAt', to_char((e.at + interval '3 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
        (4, 'HomeworkAssigned', 'coach-1', jsonb_build_object('homeworkId', e.h2, 'title', 'Ask for help', 'instructions', 'Two requests', 'dueAt', null)),
        (5, 'DraftSubmitted', 'client-1', jsonb_build_object('homeworkId', e.h1, 'draftId', e.d1, 'revision', 1, 'content', 'First draft')),
        (6, 'FeedbackGiven', 'coach-1', jsonb_build_object('feedbackId', md5(e.g || ':f1')::uuid, 'draftId', e.d1, 'homeworkId', e.h1,
            'verdict', 'CHANGES_REQUESTED', 'comments', 'Lead with the result')),
        (7, 'DraftSubmitted', 'client-1', jsonb_build_object('homeworkId', e.h1, 'draftId', e.d2, 'revision', 2, 'content', 'Second draft')),
        (8, 'FeedbackGiven', 'coach-1', jsonb_build_object('feedbackId', md5(e.g || ':f2')::uuid, 'draftId', e.d2, 'homeworkId', e.h1,
            'verdict', 'ACCEPTED', 'comments', 'That is your hook')),
        (9, 'CoachingSessionLogged', 'coach-1', jsonb_build_object('sessionId', md5(e.g || ':s')::uuid,
            'heldAt', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'durationMinutes', 60, 'summary', 'First session')),
        (10, 'JobSearchActivityLogged', 'client-1', jsonb_build_object('activityId', md5(e.g || ':a')::uuid, 'channel', 'NETWORKING',
            'applications', 3, 'interviews', 2, 'offers', 0, 'note', null))
      ) AS s(v, type, actor, data)
     ORDER BY e.g, s.v;
    COMMIT;
    from_g := from_g + chunk;
  END LOOP;
END $$;

SELECT count(*) AS events, count(DISTINCT stream_id) AS streams FROM events;
