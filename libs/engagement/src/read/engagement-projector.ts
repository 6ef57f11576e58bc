import type { Queryable, StoredEvent } from '#event-store';
import type { EngagementEvent } from '../domain/events.js';
import { OPEN_HOMEWORK } from '../domain/types.js';
import { toDomain } from '../write/engagement-repository.js';
import type { DraftRow, EngagementRow, FeedbackRow, HomeworkRow, SessionRow } from './read-models.js';

const OPEN = OPEN_HOMEWORK.map((s) => `'${s}'`).join(', ');

/**
 * Projects engagement events into the read models (engagements, homework,
 * drafts, feedback, coaching_sessions, job_search_stats). Runs inside the
 * command's transaction, so a mutation's answer reads its own write; the
 * same code rebuilds the models from the log into another schema.
 */
export class EngagementProjector {
  constructor(private readonly schema = 'public') {}

  private t(table: string): string {
    return `${this.schema}.${table}`;
  }

  /** Applies the events; returns the latest version of every row they wrote. */
  async apply(tx: Queryable, events: readonly StoredEvent[]): Promise<ProjectedRows> {
    const out = emptyProjection();
    // events that only move an engagement's version (ReminderSent) are applied together: at the end, or before
    // the next other event of their engagement, so a batch ends where one-at-a-time application would (a rebuild
    // reads many events of a stream at once; commands project their own few)
    const touches = new Map<string, Touch>();
    for (const e of events) {
      const pending = touches.get(e.streamId);
      if (e.type === 'ReminderSent') {
        touches.set(e.streamId, {
          version: Math.max(pending?.version ?? 0, e.version),
          at: pending && pending.at.getTime() > e.occurredAt.getTime() ? pending.at : e.occurredAt,
        });
      } else {
        if (pending) {
          await this.touchAll(tx, new Map([[e.streamId, pending]]), out);
          touches.delete(e.streamId);
        }
        await this.applyOne(tx, e, toDomain(e), out);
      }
    }
    if (touches.size > 0) await this.touchAll(tx, touches, out);
    return out;
  }

  private async touchAll(tx: Queryable, touches: Map<string, Touch>, out: ProjectedRows): Promise<void> {
    const ids = [...touches.keys()];
    const { rows } = await tx.query<EngagementRow>(
      `UPDATE ${this.t('engagements')} en
          SET version = greatest(en.version, t.version), updated_at = greatest(en.updated_at, t.at)
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS t(id, version, at)
        WHERE en.id = t.id
       RETURNING en.*`,
      [ids, ids.map((id) => touches.get(id)!.version), ids.map((id) => touches.get(id)!.at)],
    );
    for (const r of rows) out.engagements.set(r.id, r);
  }

  private async applyOne(tx: Queryable, e: StoredEvent, event: EngagementEvent, out: ProjectedRows): Promise<void> {
    const keep = <R extends { id: string }>(map: Map<string, R>) => (r: { rows: unknown[] }) => {
      for (const row of r.rows as R[]) map.set(row.id, row);
    };
    const engagement = keep(out.engagements);
    const homework = keep(out.homework);
    const id = e.streamId;
    const at = e.occurredAt;
    const practice = e.metadata.practiceId;
    switch (event.type) {
      case 'EngagementOpened': {
        const d = event.data;
        await tx.query(
          `INSERT INTO ${this.t('engagements')} (id, practice_id, title, status, coach_id, coach_name, coach_email,
             client_id, client_name, client_email, opened_at, updated_at, version)
           VALUES ($1, $2, $3, 'INTAKE', $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING *`,
          [id, practice, d.title, d.coach.id, d.coach.name, d.coach.email, d.client.id, d.client.name, d.client.email, at, e.version],
        ).then(engagement);
        return;
      }
      case 'IntakeRecorded': {
        const intake = { ...event.data, recordedAt: at.toISOString() };
        await tx.query(
          `UPDATE ${this.t('engagements')} SET intake = $2, status = 'ACTIVE', version = $3, updated_at = $4 WHERE id = $1 RETURNING *`,
          [id, JSON.stringify(intake), e.version, at],
        ).then(engagement);
        for (const b of event.data.baseline) await this.addJobSearch(tx, id, practice, b.channel, b.applications, b.interviews, b.offers);
        return;
      }
      case 'HomeworkAssigned': {
        const d = event.data;
        await tx.query(
          `INSERT INTO ${this.t('homework')} (id, engagement_id, practice_id, title, instructions, due_at, status, assigned_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'ASSIGNED', $7, $7) RETURNING *`,
          [d.homeworkId, id, practice, d.title, d.instructions, d.dueAt, at],
        ).then(homework);
        return this.refreshEngagement(tx, id, e, engagement);
      }
      case 'DraftSubmitted': {
        const d = event.data;
        await tx.query(
          `INSERT INTO ${this.t('drafts')} (id, homework_id, engagement_id, practice_id, revision, content, submitted_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [d.draftId, d.homeworkId, id, practice, d.revision, d.content, at],
        ).then(keep(out.drafts));
        await tx.query(
          `UPDATE ${this.t('homework')} SET status = 'SUBMITTED', latest_draft_id = $2, draft_count = draft_count + 1, updated_at = $3
           WHERE id = $1 RETURNING *`,
          [d.homeworkId, d.draftId, at],
        ).then(homework);
        return this.refreshEngagement(tx, id, e, engagement);
      }
      case 'FeedbackGiven': {
        const d = event.data;
        await tx.query(
          `INSERT INTO ${this.t('feedback')} (id, draft_id, homework_id, engagement_id, practice_id, verdict, comments,
             given_by_id, given_by_name, given_by_email, given_at, turnaround_hours)
           SELECT $1, $2, $3, $4, $5, $6, $7, en.coach_id, en.coach_name, en.coach_email, $8,
                  greatest(0, extract(epoch FROM ($8::timestamptz - dr.submitted_at)) / 3600.0)
             FROM ${this.t('engagements')} en, ${this.t('drafts')} dr
            WHERE en.id = $4 AND dr.id = $2
           RETURNING *`,
          [d.feedbackId, d.draftId, d.homeworkId, id, practice, d.verdict, d.comments, at],
        ).then(keep(out.feedback));
        await tx.query(`UPDATE ${this.t('homework')} SET status = $2, updated_at = $3 WHERE id = $1 RETURNING *`, [d.homeworkId, d.verdict, at]).then(homework);
        return this.refreshEngagement(tx, id, e, engagement);
      }
      case 'HomeworkCancelled':
        await tx.query(`UPDATE ${this.t('homework')} SET status = 'CANCELLED', updated_at = $2 WHERE id = $1 RETURNING *`, [event.data.homeworkId, at]).then(homework);
        return this.refreshEngagement(tx, id, e, engagement);
      case 'CoachingSessionLogged': {
        const d = event.data;
        await tx.query(
          `INSERT INTO ${this.t('coaching_sessions')} (id, engagement_id, practice_id, held_at, duration_minutes, summary, logged_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [d.sessionId, id, practice, d.heldAt, d.durationMinutes, d.summary, at],
        ).then(keep(out.sessions));
        return this.touch(tx, id, e, engagement);
      }
      case 'JobSearchActivityLogged': {
        const d = event.data;
        await this.addJobSearch(tx, id, practice, d.channel, d.applications, d.interviews, d.offers);
        return this.touch(tx, id, e, engagement);
      }
      case 'ReminderSent':
        return; // applied in bulk by apply()
      case 'EngagementPaused':
        return this.setStatus(tx, id, e, 'PAUSED', engagement);
      case 'EngagementResumed':
        return this.setStatus(tx, id, e, 'ACTIVE', engagement);
      case 'EngagementClosed':
        await tx.query(
          `UPDATE ${this.t('engagements')} SET status = 'CLOSED', outcome = $2, close_note = $3, closed_at = $4, updated_at = $4, version = $5
           WHERE id = $1 RETURNING *`,
          [id, event.data.outcome, event.data.note, at, e.version],
        ).then(engagement);
        return;
      default:
        return assertNever(event);
    }
  }

  private async addJobSearch(
    tx: Queryable,
    engagementId: string,
    practice: string,
    channel: string,
    applications: number,
    interviews: number,
    offers: number,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO ${this.t('job_search_stats')} AS s (engagement_id, practice_id, channel, applications, interviews, offers)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (practice_id, engagement_id, channel) DO UPDATE
         SET applications = s.applications + EXCLUDED.applications,
             interviews = s.interviews + EXCLUDED.interviews,
             offers = s.offers + EXCLUDED.offers`,
      [engagementId, practice, channel, applications, interviews, offers],
    );
  }

  /** Recounts the engagement's homework figures from the homework rows (idempotent). */
  private async refreshEngagement(tx: Queryable, id: string, e: StoredEvent, keep: Keep): Promise<void> {
    await tx.query(
      `UPDATE ${this.t('engagements')} en SET
         open_homework_count = c.open, awaiting_feedback_count = c.awaiting, version = $2, updated_at = $3
       FROM (SELECT count(*) FILTER (WHERE status IN (${OPEN})) AS open,
                    count(*) FILTER (WHERE status = 'SUBMITTED') AS awaiting
               FROM ${this.t('homework')} WHERE engagement_id = $1) c
       WHERE en.id = $1
       RETURNING en.*`,
      [id, e.version, e.occurredAt],
    ).then(keep);
  }

  private async touch(tx: Queryable, id: string, e: StoredEvent, keep: Keep): Promise<void> {
    await tx
      .query(`UPDATE ${this.t('engagements')} SET version = $2, updated_at = $3 WHERE id = $1 RETURNING *`, [id, e.version, e.occurredAt])
      .then(keep);
  }

  private async setStatus(tx: Queryable, id: string, e: StoredEvent, status: string, keep: Keep): Promise<void> {
    await tx
      .query(`UPDATE ${this.t('engagements')} SET status = $4, version = $2, updated_at = $3 WHERE id = $1 RETURNING *`, [
        id,
        e.version,
        e.occurredAt,
        status,
      ])
      .then(keep);
  }
}

type Keep = (r: { rows: unknown[] }) => void;

interface Touch {
  version: number;
  at: Date;
}

/** The rows a command's events wrote, by table and id (the latest version of each). */
export interface ProjectedRows {
  engagements: Map<string, EngagementRow>;
  homework: Map<string, HomeworkRow>;
  drafts: Map<string, DraftRow>;
  feedback: Map<string, FeedbackRow>;
  sessions: Map<string, SessionRow>;
}

function emptyProjection(): ProjectedRows {
  return { engagements: new Map(), homework: new Map(), drafts: new Map(), feedback: new Map(), sessions: new Map() };
}

function assertNever(x: never): never {
  throw new Error(`Unhandled event ${JSON.stringify(x)}`);
}
