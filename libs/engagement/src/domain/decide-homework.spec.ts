// Homework: assign, cancel, reschedule.
import { decide, fold } from './decider.js';
import { NotFound, RuleViolated } from './errors.js';
import { NOW, minutesFromNow, as, DUE, cmd, ev, INTAKE, ACTIVE, PAUSED, HW_ASSIGNED, HW_SUBMITTED, HW_CHANGES_REQUESTED, HW_ACCEPTED, HW_CANCELLED, given } from './decider.spec-helper.js';

describe('AssignHomework', () => {
  it('assigns homework with a due time, stored as an ISO instant', () => {
    given(ACTIVE)
      .when(cmd.assignHomework())
      .then([
        {
          type: 'HomeworkAssigned',
          data: {
            homeworkId: 'hw-1',
            title: 'Script your elevator pitch',
            instructions: 'Find your hook.',
            dueAt: '2026-01-08T10:00:00.000Z',
          },
        },
      ]);
  });

  it('assigns homework without a due time', () => {
    given(ACTIVE)
      .when(cmd.assignHomework({ dueAt: null }))
      .then([
        {
          type: 'HomeworkAssigned',
          data: { homeworkId: 'hw-1', title: 'Script your elevator pitch', instructions: 'Find your hook.', dueAt: null },
        },
      ]);
  });

  it('accepts a due time one millisecond in the future', () => {
    const dueAt = new Date(NOW.getTime() + 1);
    given(ACTIVE)
      .when(cmd.assignHomework({ dueAt }))
      .then([
        {
          type: 'HomeworkAssigned',
          data: { homeworkId: 'hw-1', title: 'Script your elevator pitch', instructions: 'Find your hook.', dueAt: '2026-01-01T10:00:00.001Z' },
        },
      ]);
  });

  it('refuses homework before the intake (INTAKE_REQUIRED)', () => {
    given(INTAKE).when(cmd.assignHomework()).thenThrows(RuleViolated, 'INTAKE_REQUIRED');
  });

  it('refuses homework while paused (ENGAGEMENT_PAUSED)', () => {
    given(PAUSED).when(cmd.assignHomework()).thenThrows(RuleViolated, 'ENGAGEMENT_PAUSED');
  });

  it('takes homework again once resumed', () => {
    const events = decide(cmd.assignHomework(), fold([...PAUSED, ev.resumed()]));
    expect(events.map((e) => e.type)).toEqual(['HomeworkAssigned']);
  });

  it.each([
    ['now', NOW],
    ['a minute ago', minutesFromNow(-1)],
    ['last year', new Date('2025-01-01T00:00:00Z')],
  ])('refuses a due time of %s (DUE_DATE_IN_PAST)', (_when, dueAt) => {
    given(ACTIVE).when(cmd.assignHomework({ dueAt })).thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });

  it('judges the due time against the command time, not the clock', () => {
    const later = new Date('2030-01-01T00:00:00Z');
    given(ACTIVE)
      .when(cmd.assignHomework({ dueAt: DUE }, as.coach, later))
      .thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });

  it.each([
    ['assigned', HW_ASSIGNED],
    ['accepted', HW_ACCEPTED],
    ['cancelled', HW_CANCELLED],
  ])('refuses a homework id already used (%s) with DUPLICATE_ID', (_status, history) => {
    given(history).when(cmd.assignHomework()).thenThrows(RuleViolated, 'DUPLICATE_ID');
  });

  it('checks status before the due time, and the due time before the id', () => {
    given(INTAKE).when(cmd.assignHomework({ dueAt: minutesFromNow(-1) })).thenThrows(RuleViolated, 'INTAKE_REQUIRED');
    given([...HW_ASSIGNED, ev.paused()]).when(cmd.assignHomework()).thenThrows(RuleViolated, 'ENGAGEMENT_PAUSED');
    given(HW_ASSIGNED).when(cmd.assignHomework({ dueAt: NOW })).thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });
});

describe('CancelHomework', () => {
  it.each([
    ['ASSIGNED', HW_ASSIGNED],
    ['SUBMITTED', HW_SUBMITTED],
    ['CHANGES_REQUESTED', HW_CHANGES_REQUESTED],
  ])('cancels %s homework', (_status, history) => {
    given(history)
      .when(cmd.cancelHomework())
      .then([{ type: 'HomeworkCancelled', data: { homeworkId: 'hw-1', reason: 'No longer relevant' } }]);
  });

  it('is allowed while the engagement is paused', () => {
    given([...HW_ASSIGNED, ev.paused()])
      .when(cmd.cancelHomework())
      .then([{ type: 'HomeworkCancelled', data: { homeworkId: 'hw-1', reason: 'No longer relevant' } }]);
  });

  it('refuses unknown homework with NotFound(Homework)', () => {
    const error = given(HW_ASSIGNED).when(cmd.cancelHomework({ homeworkId: 'hw-x' })).thenThrows(NotFound);
    expect(error.entity).toBe('Homework');
    expect(error.id).toBe('hw-x');
  });

  it.each([
    ['ACCEPTED', HW_ACCEPTED],
    ['CANCELLED', HW_CANCELLED],
  ])('refuses to cancel %s homework with HOMEWORK_NOT_OPEN', (_status, history) => {
    given(history).when(cmd.cancelHomework()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });
});

describe('RescheduleHomework', () => {
  it('moves the due time of open homework', () => {
    given(HW_ASSIGNED)
      .when(cmd.reschedule())
      .then([{ type: 'HomeworkRescheduled', data: { homeworkId: 'hw-1', dueAt: '2026-01-15T10:00:00.000Z' } }]);
    given(HW_CHANGES_REQUESTED).when(cmd.reschedule({}, as.admin)).then([expect.objectContaining({ type: 'HomeworkRescheduled' })]);
  });

  it('is a no-op at the due time it already has', () => {
    given([...ACTIVE, ev.assigned('hw-1', '2026-01-15T10:00:00.000Z')]).when(cmd.reschedule()).then([]);
  });

  it('refuses a due time in the past: DUE_DATE_IN_PAST', () => {
    given(HW_ASSIGNED).when(cmd.reschedule({ dueAt: NOW })).thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });

  it('refuses homework that is no longer open: HOMEWORK_NOT_OPEN', () => {
    given(HW_ACCEPTED).when(cmd.reschedule()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
    given(HW_CANCELLED).when(cmd.reschedule()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });

  it('refuses homework the engagement does not hold: NOT_FOUND', () => {
    given(HW_ASSIGNED).when(cmd.reschedule({ homeworkId: 'hw-x' })).thenThrows(NotFound);
  });

  it('evolves the state to the new due time', () => {
    const state = fold([...HW_ASSIGNED, { type: 'HomeworkRescheduled', data: { homeworkId: 'hw-1', dueAt: '2026-01-15T10:00:00.000Z' } }]);
    expect(state.homework['hw-1']!.dueAt).toBe('2026-01-15T10:00:00.000Z');
  });
});
