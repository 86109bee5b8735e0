// Type-checked by the pack test with tsc (module node16, no skipLibCheck) in the folder where the worker and testing
// tarballs were installed: the packages' typings resolve through their exports maps, deep paths included.
import { Client, Connection } from '@kairos/client';
import { msToNumber } from '@kairos/common/lib/time';
import type { WorkerOptions as CoreWorkerOptions, MetricPoint } from '@kairos/core-bridge';
import { TestWorkflowEnvironment } from '@kairos/testing';
import { interceptors } from '@kairos/testing/lib/assert-to-failure-interceptor';
import { Worker, bundleWorkflowCode } from '@kairos/worker';
import { bundleWorkflowCode as deepBundle } from '@kairos/worker/lib/workflow/bundler';
import { proxyActivities, sleep } from '@kairos/workflow';

export const kind: MetricPoint['kind'] = 'counter';
export const coreOptions: CoreWorkerOptions = { namespace: 'default', taskQueue: 'q', identity: 'me' };
export const ms: number = msToNumber('1 day');
export const same: boolean = deepBundle === bundleWorkflowCode;
export type Uses = [Client, Connection, TestWorkflowEnvironment, Worker, typeof interceptors, typeof proxyActivities];
export const later: Promise<void> = Promise.resolve().then(() => sleep(1));
