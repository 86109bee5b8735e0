/**
 * Compares the public surface of `@kairos/activity` with `@temporalio/activity` (a test-only devDependency). The
 * type-level checks run when the tests are type-checked (`tsc -p tsconfig.json`).
 */
import * as official from '@temporalio/activity';
import * as kairos from '../src';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Every field of the official Info, and no other.
const infoFieldsMatch: Same<keyof kairos.Info, keyof official.Info> = true;
// The worker-facing constructor takes the same parameters, in the same order.
const constructorArity: Same<
  ConstructorParameters<typeof kairos.Context>['length'],
  ConstructorParameters<typeof official.Context>['length']
> = true;
// Context members user code can reach.
const contextMembers: Same<Exclude<keyof kairos.Context, 'client'>, Exclude<keyof official.Context, 'client'>> = true;

describe('compatibility with @temporalio/activity', () => {
  it('passes the type-level checks', () => {
    expect([infoFieldsMatch, constructorArity, contextMembers]).toEqual([true, true, true]);
  });

  it('exports every runtime name of the official package, with the same kind of value', () => {
    const ours = kairos as unknown as Record<string, unknown>;
    const theirs = official as unknown as Record<string, unknown>;
    expect(Object.keys(theirs).filter((name) => !(name in ours))).toEqual([]);
    expect(Object.keys(theirs).filter((name) => typeof theirs[name] !== typeof ours[name])).toEqual([]);
  });

  it('uses its own context storage, separate from the official one', () => {
    expect(kairos.asyncLocalStorage).not.toBe(official.asyncLocalStorage);
  });

  it('shares error identity with the official failures both ways', () => {
    expect(new official.CancelledFailure('x')).toBeInstanceOf(kairos.CancelledFailure);
    expect(new kairos.CancelledFailure('x')).toBeInstanceOf(official.CancelledFailure);
    expect(new official.CompleteAsyncError()).toBeInstanceOf(kairos.CompleteAsyncError);
    expect(new kairos.ApplicationFailure('x')).toBeInstanceOf(official.ApplicationFailure);
  });
});
