import { defineSearchAttributeKey, SearchAttributeType } from '@kairos/common';
import { DAYS_OF_WEEK, ScheduleAlreadyRunning, ScheduleNotFoundError, type ScheduleSummary } from '../src';
import { useTestEnv } from './helpers/env';
import { selectedServers, serverTitle, supports } from './helpers/servers';
import { eventually } from './helpers/wait';
import { scheduled } from './workflows';

const keywordKey = defineSearchAttributeKey('CustomKeywordField', SearchAttributeType.KEYWORD);
const HOUR = 3_600_000;

for (const kind of selectedServers()) {
  describe(`ScheduleClient ${serverTitle(kind, ['schedule'])}`, () => {
    const env = useTestEnv(kind);
    const test = (name: string, fn: () => Promise<void>, timeout?: number) => {
      if (supports(kind, 'schedule')) it(name, fn, timeout);
    };
    const action = (tag: string) =>
      ({ type: 'startWorkflow', workflowType: scheduled, args: [tag], taskQueue: env.taskQueue }) as const;

    test('create() stores spec, action, policies, memo and search attributes; describe() decodes them', async () => {
      const scheduleId = env.id('sched-create');
      const handle = await env.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1 hour', offset: '5 minutes' }], jitter: '1s', timezone: 'UTC' },
        action: { ...action('created'), workflowId: 'wf-prefix', memo: { m: 1 }, workflowRunTimeout: '1 minute' },
        policies: { overlap: 'BUFFER_ONE', catchupWindow: '2 minutes', pauseOnFailure: true },
        memo: { owner: 'me' },
        typedSearchAttributes: [{ key: keywordKey, value: 'sched' }],
        state: { note: 'initial note', remainingActions: 5 },
      });
      expect(handle.scheduleId).toBe(scheduleId);
      const description = await handle.describe();
      expect(description.scheduleId).toBe(scheduleId);
      expect(description.spec.intervals).toEqual([{ every: HOUR, offset: 300_000 }]);
      expect(description.spec.jitter).toBe(1000);
      expect(description.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: 'scheduled',
        workflowId: 'wf-prefix',
        taskQueue: env.taskQueue,
        args: ['created'],
        memo: { m: 1 },
        workflowRunTimeout: 60_000,
      });
      expect(description.policies).toEqual({ overlap: 'BUFFER_ONE', catchupWindow: 120_000, pauseOnFailure: true });
      expect(description.memo).toEqual({ owner: 'me' });
      expect(description.typedSearchAttributes.get(keywordKey)).toBe('sched');
      expect(description.state).toEqual({ paused: false, note: 'initial note', remainingActions: 5 });
      expect(description.info.createdAt).toBeInstanceOf(Date);
      expect(description.info.nextActionTimes.length).toBeGreaterThan(0);
      expect(description.info.nextActionTimes[0].getTime() % HOUR).toBeGreaterThanOrEqual(300_000);
      await expect(
        env.client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action('dup') }),
      ).rejects.toBeInstanceOf(ScheduleAlreadyRunning);
      await handle.delete();
    });

    test('calendar and cron specs round-trip in their structured form', async () => {
      const handle = await env.client.schedule.create({
        scheduleId: env.id('sched-calendar'),
        spec: {
          calendars: [
            { hour: [9, { start: 12, end: 14 }], dayOfWeek: 'MONDAY', comment: 'mornings and lunch' },
            { second: '*', dayOfMonth: { start: 1, end: 31, step: 10 }, month: ['JANUARY', 'JULY'], year: 2099 },
          ],
          skip: [{ month: 'DECEMBER', dayOfMonth: 25 }],
          startAt: new Date('2099-01-01T00:00:00Z'),
          endAt: new Date('2100-01-01T00:00:00Z'),
        },
        action: action('calendar'),
        state: { paused: true },
      });
      const { spec } = await handle.describe();
      expect(spec.calendars?.[0]).toEqual({
        second: [{ start: 0, end: 0, step: 1 }],
        minute: [{ start: 0, end: 0, step: 1 }],
        hour: [
          { start: 9, end: 9, step: 1 },
          { start: 12, end: 14, step: 1 },
        ],
        dayOfMonth: [{ start: 1, end: 31, step: 1 }],
        month: [{ start: 'JANUARY', end: 'DECEMBER', step: 1 }],
        year: [],
        dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY', step: 1 }],
        comment: 'mornings and lunch',
      });
      expect(spec.calendars?.[1]).toMatchObject({
        second: [{ start: 0, end: 59, step: 1 }],
        dayOfMonth: [{ start: 1, end: 31, step: 10 }],
        month: [
          { start: 'JANUARY', end: 'JANUARY', step: 1 },
          { start: 'JULY', end: 'JULY', step: 1 },
        ],
        year: [{ start: 2099, end: 2099, step: 1 }],
      });
      expect(spec.skip?.[0]).toMatchObject({ month: [{ start: 'DECEMBER', end: 'DECEMBER', step: 1 }] });
      expect(spec.startAt?.toISOString()).toBe('2099-01-01T00:00:00.000Z');
      expect(spec.endAt?.toISOString()).toBe('2100-01-01T00:00:00.000Z');
      await handle.delete();

      const cron = await env.client.schedule.create({
        scheduleId: env.id('sched-cron'),
        spec: { cronExpressions: ['30 12 * * MON-FRI'] },
        action: action('cron'),
        state: { paused: true },
      });
      const cronSpec = (await cron.describe()).spec;
      const calendar = cronSpec.calendars?.[0];
      expect(calendar?.minute).toEqual([{ start: 30, end: 30, step: 1 }]);
      expect(calendar?.hour).toEqual([{ start: 12, end: 12, step: 1 }]);
      // Servers may split MON-FRI into several ranges; compare the days covered.
      const days = new Set<string>();
      for (const range of calendar?.dayOfWeek ?? []) {
        const from = DAYS_OF_WEEK.indexOf(range.start);
        const to = DAYS_OF_WEEK.indexOf(range.end);
        for (let d = from; d <= to; d += range.step) days.add(DAYS_OF_WEEK[d]);
      }
      expect([...days]).toEqual(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY']);
      await cron.delete();
    });

    test('trigger() starts the Workflow now; recent actions point to it', async () => {
      const handle = await env.client.schedule.create({
        scheduleId: env.id('sched-trigger'),
        spec: { intervals: [{ every: '365 days' }] },
        action: action('triggered'),
      });
      await handle.trigger();
      const description = await eventually(
        () => handle.describe(),
        (d) => d.info.recentActions.length === 1,
        'the triggered action to be recorded',
      );
      const [recent] = description.info.recentActions;
      expect(recent.scheduledAt).toBeInstanceOf(Date);
      expect(recent.takenAt).toBeInstanceOf(Date);
      const workflow = env.client.workflow.getHandle(recent.action.workflow.workflowId);
      expect(await workflow.result()).toBe('triggered');
      expect(recent.action.workflow.workflowId.startsWith(`${handle.scheduleId}-workflow`)).toBe(true);
      const done = await eventually(
        () => handle.describe(),
        (d) => d.info.numActionsTaken === 1 && d.info.runningActions.length === 0,
        'the action count to reach 1',
      );
      expect(done.info.numActionsTaken).toBe(1);
      await handle.delete();
    });

    test('backfill() takes the actions of a past time range', async () => {
      const handle = await env.client.schedule.create({
        scheduleId: env.id('sched-backfill'),
        spec: { intervals: [{ every: '1 hour' }] },
        action: action('backfilled'),
        state: { paused: true },
      });
      const end = new Date(Math.floor(Date.now() / HOUR) * HOUR - HOUR);
      const start = new Date(end.getTime() - 2 * HOUR);
      await handle.backfill({ start, end, overlap: 'ALLOW_ALL' });
      const description = await eventually(
        () => handle.describe(),
        (d) => d.info.numActionsTaken === 3,
        'three backfilled actions',
      );
      const scheduledTimes = description.info.recentActions.map((a) => a.scheduledAt.getTime()).sort();
      expect(scheduledTimes).toEqual([start.getTime(), start.getTime() + HOUR, end.getTime()]);
      await handle.delete();
    });

    test('pause() and unpause() change the state and note', async () => {
      const handle = await env.client.schedule.create({
        scheduleId: env.id('sched-pause'),
        spec: { intervals: [{ every: '1 hour' }] },
        action: action('pause'),
      });
      await handle.pause('maintenance');
      expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'maintenance' });
      await handle.unpause();
      expect((await handle.describe()).state).toMatchObject({ paused: false, note: 'Unpaused via TypeScript SDK' });
      await handle.pause();
      expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'Paused via TypeScript SDK' });
      await handle.delete();
    });

    test('update() replaces the Schedule with what the function returns', async () => {
      const handle = await env.client.schedule.create({
        scheduleId: env.id('sched-update'),
        spec: { intervals: [{ every: '1 hour' }] },
        action: action('before'),
        state: { paused: true },
      });
      await handle.update((previous) => ({
        ...previous,
        spec: { calendars: [{ hour: 3 }] },
        action: { ...previous.action, args: ['after'], workflowType: scheduled },
        policies: { ...previous.policies, overlap: 'ALLOW_ALL' },
        state: { paused: true, note: 'updated' },
      }));
      const description = await handle.describe();
      expect(description.spec.intervals).toEqual([]);
      expect(description.spec.calendars?.[0].hour).toEqual([{ start: 3, end: 3, step: 1 }]);
      expect(description.action.args).toEqual(['after']);
      expect(description.policies.overlap).toBe('ALLOW_ALL');
      expect(description.state.note).toBe('updated');
      expect(description.info.lastUpdatedAt).toBeInstanceOf(Date);
      await handle.delete();
    });

    test('list() finds created Schedules; delete() removes them', async () => {
      const scheduleId = env.id('sched-list');
      const handle = await env.client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1 hour' }] },
        action: action('listed'),
        memo: { listed: true },
        state: { paused: true, note: 'listed note' },
      });
      const found = await eventually(
        async () => {
          for await (const schedule of env.client.schedule.list({ pageSize: 2 })) {
            if (schedule.scheduleId === scheduleId) return schedule;
          }
          return undefined;
        },
        (s): s is ScheduleSummary => s !== undefined,
        'the Schedule to be listed',
      );
      expect(found).toMatchObject({
        scheduleId,
        action: { type: 'startWorkflow', workflowType: 'scheduled' },
        memo: { listed: true },
        state: { paused: true, note: 'listed note' },
      });
      expect(found?.spec?.intervals).toEqual([{ every: HOUR, offset: 0 }]);
      await handle.delete();
      const err = await handle.describe().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ScheduleNotFoundError);
      expect((err as ScheduleNotFoundError).scheduleId).toBe(scheduleId);
      await expect(env.client.schedule.getHandle(env.id('missing')).pause()).rejects.toBeInstanceOf(
        ScheduleNotFoundError,
      );
    });

    test('bad Schedule options are rejected before any call', async () => {
      const before = env.calls.length;
      const create = env.client.schedule.create.bind(env.client.schedule);
      await expect(create({ scheduleId: '', spec: {}, action: action('x') })).rejects.toThrow(TypeError);
      await expect(
        create({ scheduleId: env.id('bad'), spec: { calendars: [{ hour: 25 }] }, action: action('x') }),
      ).rejects.toThrow('Invalid CalendarSpec component for field hour');
      await expect(
        create({
          scheduleId: env.id('bad'),
          spec: { calendars: [{ month: 'SMARCH' as 'MARCH' }] },
          action: action('x'),
        }),
      ).rejects.toThrow('Invalid CalendarSpec component for field month');
      await expect(
        create({ scheduleId: env.id('bad'), spec: { intervals: [{ every: 'often' as '1h' }] }, action: action('x') }),
      ).rejects.toThrow(/often/);
      await expect(
        create({ scheduleId: env.id('bad'), spec: {}, action: { ...action('x'), args: [10n] as unknown as [string] } }),
      ).rejects.toThrow();
      expect(() => env.client.schedule.getHandle('')).toThrow(TypeError);
      expect(env.calls.slice(before)).toEqual([]);
    });
  });
}
