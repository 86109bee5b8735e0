/**
 * Compares the public surface and the pure behaviour of `@kairos/client` with `@temporalio/client`
 * (a test-only devDependency).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as official from '@temporalio/client';
import * as officialScheduleHelpers from '@temporalio/client/lib/schedule-helpers';
import * as kairos from '../src';
import * as scheduleHelpers from '../src/schedule-helpers';

const officialLib = path.dirname(require.resolve('@temporalio/client/lib/index.js'));

describe('compatibility with @temporalio/client', () => {
  it('exports every runtime name of the official package, with the same kind of value', () => {
    const ours = kairos as unknown as Record<string, unknown>;
    const theirs = official as unknown as Record<string, unknown>;
    const missing = Object.keys(theirs).filter((name) => !(name in ours));
    expect(missing).toEqual([]);
    // The service constructors are protobufjs reflection objects in the official package and generated
    // static classes here; both have the `create(rpcImpl)` factory.
    const services = ['WorkflowService', 'OperatorService', 'TestService', 'HealthService'];
    const kinds = Object.keys(theirs).filter(
      (name) => !services.includes(name) && typeof theirs[name] !== typeof ours[name],
    );
    expect(kinds).toEqual([]);
    for (const name of services) expect(typeof (ours[name] as { create?: unknown }).create).toBe('function');
  });

  it('keeps every module of the official lib/ layout, so deep imports resolve', () => {
    const modules = readdirSync(officialLib)
      .filter((f) => f.endsWith('.d.ts'))
      .map((f) => f.replace(/\.d\.ts$/, ''));
    const ours = new Set(readdirSync(path.resolve(__dirname, '../src')).map((f) => f.replace(/\.ts$/, '')));
    expect(modules.filter((m) => !ours.has(m))).toEqual([]);
  });

  it('has the same enum-like constants', () => {
    for (const name of [
      'QueryRejectCondition',
      'ScheduleOverlapPolicy',
      'WorkflowUpdateStage',
      'MONTHS',
      'DAYS_OF_WEEK',
      'ActivityIdReusePolicy',
      'ActivityIdConflictPolicy',
      'ActivityExecutionStatus',
      'PendingActivityState',
      'ReachabilityType',
      'NexusOperationIdReusePolicy',
      'NexusOperationIdConflictPolicy',
      'NexusOperationExecutionStatus',
      'PendingNexusOperationState',
      'NexusOperationCancellationState',
      'LOCAL_TARGET',
    ]) {
      expect([name, (kairos as Record<string, unknown>)[name]]).toEqual([
        name,
        (official as Record<string, unknown>)[name],
      ]);
    }
  });

  it('encodes and decodes enum values to the same proto numbers', () => {
    const pairs: [string, string][] = Object.keys(official)
      .filter((n) => /^encode[A-Z]/.test(n))
      .map((n) => [n, n.replace(/^encode/, 'decode')]);
    expect(pairs.length).toBeGreaterThan(10);
    for (const [encodeName, decodeName] of pairs) {
      const ourEncode = (kairos as Record<string, unknown>)[encodeName] as (v: unknown) => unknown;
      const theirEncode = (official as Record<string, unknown>)[encodeName] as (v: unknown) => unknown;
      const ourDecode = (kairos as Record<string, unknown>)[decodeName] as (v: unknown) => unknown;
      const theirDecode = (official as Record<string, unknown>)[decodeName] as (v: unknown) => unknown;
      for (let n = 0; n < 8; n++) {
        const theirs = theirDecode(n);
        // Numbers the enum does not define decode to undefined or an `unknown_<n>` marker; only compare known ones.
        if ((theirs === undefined && n > 0) || String(theirs).startsWith('unknown')) continue;
        expect([decodeName, n, ourDecode(n)]).toEqual([decodeName, n, theirs]);
        if (theirs !== undefined)
          expect([encodeName, theirs, ourEncode(theirs)]).toEqual([encodeName, theirs, theirEncode(theirs)]);
      }
    }
  });

  it('retries exactly the statuses the official retry interceptor retries', () => {
    const details = [
      '',
      'Received RST_STREAM with code 0',
      'Received RST_STREAM with code 2',
      'RST_STREAM with code 2 (SSL alert number 40)',
      'oops',
    ];
    for (let code = 0; code <= 16; code++) {
      for (const d of details) {
        const status = { code, details: d, metadata: new grpc.Metadata() };
        expect([code, d, kairos.isRetryableError(status)]).toEqual([code, d, official.isRetryableError(status)]);
      }
    }
    const ours = kairos.defaultGrpcRetryOptions({ maxJitter: 0 });
    const theirs = official.defaultGrpcRetryOptions({ maxJitter: 0 });
    for (const code of [grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED]) {
      const status = { code, details: '', metadata: new grpc.Metadata() };
      for (let attempt = 1; attempt <= 11; attempt++) {
        expect(ours.delayFunction(attempt, status)).toBeCloseTo(theirs.delayFunction(attempt, status));
        expect(ours.retryableDecider(attempt, status)).toBe(theirs.retryableDecider(attempt, status));
      }
    }
  });

  it('recognises errors of either library with instanceof, and keeps their names', () => {
    const theirs = new official.ServiceError('boom');
    expect(theirs).toBeInstanceOf(kairos.ServiceError);
    const ours = new kairos.WorkflowFailedError('failed', undefined, 'TIMEOUT');
    expect(ours).toBeInstanceOf(official.WorkflowFailedError);
    expect(ours.name).toBe('WorkflowFailedError');
    for (const name of [
      'ServiceError',
      'WorkflowFailedError',
      'WorkflowUpdateFailedError',
      'WorkflowUpdateRPCTimeoutOrCancelledError',
      'WorkflowContinuedAsNewError',
      'QueryRejectedError',
      'QueryNotRegisteredError',
      'ScheduleAlreadyRunning',
      'ScheduleNotFoundError',
      'ActivityNotFoundError',
      'ActivityCompletionError',
      'ActivityCancelledError',
      'ActivityPausedError',
      'ActivityResetError',
      'WorkflowNotFoundError',
      'NamespaceNotFoundError',
      'WorkflowExecutionAlreadyStartedError',
    ]) {
      const Ours = (kairos as unknown as Record<string, new (...args: unknown[]) => Error>)[name];
      const Theirs = (official as unknown as Record<string, new (...args: unknown[]) => Error>)[name];
      const err = new Ours('m', 'x', 'y');
      expect([name, err.name]).toEqual([name, new Theirs('m', 'x', 'y').name]);
      expect([name, new Theirs('m', 'x', 'y') instanceof Ours]).toEqual([name, true]);
      expect([name, err instanceof Theirs]).toEqual([name, true]);
    }
  });

  it('encodes Schedule specs like the official client', () => {
    const spec: kairos.ScheduleSpec = {
      calendars: [
        { hour: [9, { start: 12, end: 14, step: 1 }], dayOfWeek: 'MONDAY', comment: 'c' },
        {
          second: '*',
          minute: '*',
          month: ['JANUARY', 'JULY'],
          year: 2099,
          dayOfMonth: { start: 1, end: 31, step: 10 },
        },
      ],
      intervals: [{ every: '1 hour', offset: '5 minutes' }],
      cronExpressions: ['0 12 * * MON-FRI'],
      skip: [{ month: 'DECEMBER', dayOfMonth: 25 }],
      startAt: new Date('2099-01-01T00:00:00Z'),
      endAt: new Date('2100-01-01T00:00:00Z'),
      jitter: '1s',
      timezone: 'Europe/Paris',
    };
    const normalize = (x: unknown) => JSON.parse(JSON.stringify(x));
    expect(normalize(scheduleHelpers.encodeScheduleSpec(spec))).toEqual(
      normalize(officialScheduleHelpers.encodeScheduleSpec(spec as never)),
    );
    expect(
      normalize(
        scheduleHelpers.encodeSchedulePolicies({ overlap: 'BUFFER_ALL', catchupWindow: '1m', pauseOnFailure: true }),
      ),
    ).toEqual(
      normalize(
        officialScheduleHelpers.encodeSchedulePolicies({
          overlap: 'BUFFER_ALL',
          catchupWindow: '1m',
          pauseOnFailure: true,
        }),
      ),
    );
    expect(normalize(scheduleHelpers.encodeScheduleState({ paused: true, note: 'n', remainingActions: 3 }))).toEqual(
      normalize(officialScheduleHelpers.encodeScheduleState({ paused: true, note: 'n', remainingActions: 3 })),
    );
  });
});
