/**
 * Client-side definitions of the Signals, Queries and Updates of the test Workflows, typed with
 * `@kairos/common`. The Workflows themselves define them with `@temporalio/workflow` (they run on the
 * official worker), whose definition types carry different brand symbols; the wire names are the same.
 */
import type { QueryDefinition, SignalDefinition, UpdateDefinition } from '@kairos/common';

function signal<Args extends unknown[] = []>(name: string): SignalDefinition<Args> {
  return { type: 'signal', name } as unknown as SignalDefinition<Args>;
}
function query<Ret, Args extends unknown[] = []>(name: string): QueryDefinition<Ret, Args> {
  return { type: 'query', name } as unknown as QueryDefinition<Ret, Args>;
}
function update<Ret, Args extends unknown[] = []>(name: string): UpdateDefinition<Ret, Args> {
  return { type: 'update', name } as unknown as UpdateDefinition<Ret, Args>;
}

export const incrementSignal = signal<[number]>('increment');
export const finishSignal = signal('finish');
export const releaseSignal = signal('release');
export const valueQuery = query<number>('value');
export const addQuery = query<number, [number]>('add');
export const failingQuery = query<number>('failingQuery');
export const incrementUpdate = update<number, [number]>('incrementAndGet');
export const failingUpdate = update<number>('failingUpdate');
export const slowUpdate = update<string, [string]>('slowUpdate');
