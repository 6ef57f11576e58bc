import { Injectable } from '@nestjs/common';
import { Database, ResourceNotFound } from '#platform';

/** Which engagement a homework or draft belongs to (immutable facts, read from the read models). */
@Injectable()
export class EngagementLookup {
  constructor(private readonly db: Database) {}

  /** The engagement a command targets (named directly, or through one of its homework or drafts). */
  engagementOf(practiceId: string, target: { engagementId: string } | { homeworkId: string } | { draftId: string }): Promise<string> | string {
    if ('engagementId' in target) return target.engagementId;
    if ('homeworkId' in target) return this.engagementOfHomework(practiceId, target.homeworkId);
    return this.engagementOfDraft(practiceId, target.draftId);
  }

  async engagementOfHomework(practiceId: string, homeworkId: string): Promise<string> {
    const rows = await this.db.read<{ engagement_id: string }>(
      practiceId,
      'SELECT engagement_id FROM homework WHERE id = $1 AND practice_id = $2',
      [homeworkId, practiceId],
    );
    if (!rows[0]) throw new ResourceNotFound('Homework', homeworkId);
    return rows[0].engagement_id;
  }

  async engagementOfDraft(practiceId: string, draftId: string): Promise<string> {
    const rows = await this.db.read<{ engagement_id: string }>(
      practiceId,
      'SELECT engagement_id FROM drafts WHERE id = $1 AND practice_id = $2',
      [draftId, practiceId],
    );
    if (!rows[0]) throw new ResourceNotFound('Draft', draftId);
    return rows[0].engagement_id;
  }
}
