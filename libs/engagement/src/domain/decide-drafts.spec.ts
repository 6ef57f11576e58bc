// Drafts and feedback.
import { decide, fold } from './decider.js';
import { Forbidden, NotFound, RuleViolated } from './errors.js';
import { as, cmd, ev, INTAKE, ACTIVE, HW_ASSIGNED, HW_SUBMITTED, HW_CHANGES_REQUESTED, HW_ACCEPTED, HW_CANCELLED, given, play } from './decider.spec-helper.js';

describe('SubmitDraft', () => {
  it('submits the first draft as revision 1', () => {
    given(HW_ASSIGNED)
      .when(cmd.submitDraft())
      .then([{ type: 'DraftSubmitted', data: { homeworkId: 'hw-1', draftId: 'draft-1', revision: 1, content: 'My pitch' } }]);
  });

  it('submits a new revision after CHANGES_REQUESTED', () => {
    given(HW_CHANGES_REQUESTED)
      .when(cmd.submitDraft({ draftId: 'draft-2', content: 'Sharper pitch' }))
      .then([
        { type: 'DraftSubmitted', data: { homeworkId: 'hw-1', draftId: 'draft-2', revision: 2, content: 'Sharper pitch' } },
      ]);
  });

  it('numbers revisions across several CHANGES_REQUESTED cycles', () => {
    const events = play([
      cmd.open(),
      cmd.recordIntake(),
      cmd.assignHomework(),
      cmd.submitDraft({ draftId: 'd1' }),
      cmd.giveFeedback({ draftId: 'd1', feedbackId: 'f1', verdict: 'CHANGES_REQUESTED' }),
      cmd.submitDraft({ draftId: 'd2' }),
      cmd.giveFeedback({ draftId: 'd2', feedbackId: 'f2', verdict: 'CHANGES_REQUESTED' }),
      cmd.submitDraft({ draftId: 'd3' }),
      cmd.giveFeedback({ draftId: 'd3', feedbackId: 'f3', verdict: 'CHANGES_REQUESTED' }),
      cmd.submitDraft({ draftId: 'd4' }),
      cmd.giveFeedback({ draftId: 'd4', feedbackId: 'f4', verdict: 'ACCEPTED' }),
    ]);
    const revisions = events.flatMap((e) => (e.type === 'DraftSubmitted' ? [[e.data.draftId, e.data.revision]] : []));
    expect(revisions).toEqual([
      ['d1', 1],
      ['d2', 2],
      ['d3', 3],
      ['d4', 4],
    ]);
    expect(fold(events).homework['hw-1']?.status).toBe('ACCEPTED');
  });

  it('numbers revisions per homework', () => {
    const history = [...HW_SUBMITTED, ev.assigned('hw-2')];
    given(history)
      .when(cmd.submitDraft({ homeworkId: 'hw-2', draftId: 'draft-2' }))
      .then([{ type: 'DraftSubmitted', data: { homeworkId: 'hw-2', draftId: 'draft-2', revision: 1, content: 'My pitch' } }]);
  });

  it('is allowed while the engagement is paused', () => {
    given([...HW_ASSIGNED, ev.paused()])
      .when(cmd.submitDraft())
      .then([{ type: 'DraftSubmitted', data: { homeworkId: 'hw-1', draftId: 'draft-1', revision: 1, content: 'My pitch' } }]);
  });

  it('refuses unknown homework with NotFound(Homework)', () => {
    const error = given(ACTIVE).when(cmd.submitDraft({ homeworkId: 'hw-x' })).thenThrows(NotFound);
    expect(error.entity).toBe('Homework');
    expect(error.id).toBe('hw-x');
  });

  it('refuses homework of a name that Object.prototype knows', () => {
    given(ACTIVE).when(cmd.submitDraft({ homeworkId: 'constructor' })).thenThrows(NotFound);
  });

  it('no homework exists before the intake', () => {
    given(INTAKE).when(cmd.submitDraft()).thenThrows(NotFound);
  });

  it.each([
    ['SUBMITTED', HW_SUBMITTED],
    ['ACCEPTED', HW_ACCEPTED],
    ['CANCELLED', HW_CANCELLED],
  ])('refuses a draft to %s homework with HOMEWORK_NOT_OPEN', (_status, history) => {
    given(history).when(cmd.submitDraft({ draftId: 'draft-9' })).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });

  it('refuses a draft id already used (DUPLICATE_ID), on the same or another homework', () => {
    given(HW_CHANGES_REQUESTED).when(cmd.submitDraft({ draftId: 'draft-1' })).thenThrows(RuleViolated, 'DUPLICATE_ID');
    given([...HW_SUBMITTED, ev.assigned('hw-2')])
      .when(cmd.submitDraft({ homeworkId: 'hw-2', draftId: 'draft-1' }))
      .thenThrows(RuleViolated, 'DUPLICATE_ID');
  });

  it('checks the homework is open before the draft id', () => {
    given(HW_SUBMITTED).when(cmd.submitDraft({ draftId: 'draft-1' })).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });
});

describe('GiveFeedback', () => {
  it('requests changes on the latest draft', () => {
    given(HW_SUBMITTED)
      .when(cmd.giveFeedback())
      .then([
        {
          type: 'FeedbackGiven',
          data: {
            feedbackId: 'fb-1',
            draftId: 'draft-1',
            homeworkId: 'hw-1',
            verdict: 'CHANGES_REQUESTED',
            comments: 'Sharpen the hook',
          },
        },
      ]);
  });

  it('accepts the latest draft', () => {
    given(HW_SUBMITTED)
      .when(cmd.giveFeedback({ verdict: 'ACCEPTED', comments: 'Great hook' }))
      .then([
        {
          type: 'FeedbackGiven',
          data: { feedbackId: 'fb-1', draftId: 'draft-1', homeworkId: 'hw-1', verdict: 'ACCEPTED', comments: 'Great hook' },
        },
      ]);
  });

  it('moves the homework to the verdict', () => {
    const accepted = fold([...HW_SUBMITTED, ...decide(cmd.giveFeedback({ verdict: 'ACCEPTED' }), fold(HW_SUBMITTED))]);
    expect(accepted.homework['hw-1']?.status).toBe('ACCEPTED');
    const changes = fold([...HW_SUBMITTED, ...decide(cmd.giveFeedback(), fold(HW_SUBMITTED))]);
    expect(changes.homework['hw-1']?.status).toBe('CHANGES_REQUESTED');
  });

  it('is allowed while the engagement is paused', () => {
    const events = decide(cmd.giveFeedback(), fold([...HW_SUBMITTED, ev.paused()]));
    expect(events.map((e) => e.type)).toEqual(['FeedbackGiven']);
  });

  it('refuses an unknown draft with NotFound(Draft)', () => {
    const error = given(HW_ASSIGNED).when(cmd.giveFeedback({ draftId: 'draft-x' })).thenThrows(NotFound);
    expect(error.entity).toBe('Draft');
    expect(error.id).toBe('draft-x');
  });

  it.each([
    ['CHANGES_REQUESTED', HW_CHANGES_REQUESTED],
    ['ACCEPTED', HW_ACCEPTED],
  ])('refuses a second feedback on a draft (%s) with FEEDBACK_ALREADY_GIVEN', (_verdict, history) => {
    given(history)
      .when(cmd.giveFeedback({ feedbackId: 'fb-2', verdict: 'ACCEPTED' }))
      .thenThrows(RuleViolated, 'FEEDBACK_ALREADY_GIVEN');
  });

  it('refuses feedback on an older draft: FEEDBACK_ALREADY_GIVEN comes first', () => {
    const history = [...HW_CHANGES_REQUESTED, ev.submitted('hw-1', 'draft-2', 2)];
    given(history).when(cmd.giveFeedback({ feedbackId: 'fb-2' })).thenThrows(RuleViolated, 'FEEDBACK_ALREADY_GIVEN');
  });

  it('refuses feedback on a draft that is not the latest (NOT_LATEST_DRAFT)', () => {
    // The decider never lets two drafts wait at once, but the stream is the truth.
    const history = [...HW_SUBMITTED, ev.submitted('hw-1', 'draft-2', 2)];
    given(history).when(cmd.giveFeedback()).thenThrows(RuleViolated, 'NOT_LATEST_DRAFT');
    given(history)
      .when(cmd.giveFeedback({ draftId: 'draft-2' }))
      .then([
        {
          type: 'FeedbackGiven',
          data: { feedbackId: 'fb-1', draftId: 'draft-2', homeworkId: 'hw-1', verdict: 'CHANGES_REQUESTED', comments: 'Sharpen the hook' },
        },
      ]);
  });

  it('refuses feedback on a draft of cancelled homework (HOMEWORK_NOT_OPEN)', () => {
    given([...HW_SUBMITTED, ev.cancelled('hw-1')]).when(cmd.giveFeedback()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });

  it('refuses a feedback id already used (DUPLICATE_ID)', () => {
    const history = [...HW_CHANGES_REQUESTED, ev.submitted('hw-1', 'draft-2', 2)];
    given(history)
      .when(cmd.giveFeedback({ draftId: 'draft-2', feedbackId: 'fb-draft-1' }))
      .thenThrows(RuleViolated, 'DUPLICATE_ID');
  });

  it('is given by the coach only, not by an admin', () => {
    given(HW_SUBMITTED).when(cmd.giveFeedback({}, as.admin)).thenThrows(Forbidden);
  });
});
