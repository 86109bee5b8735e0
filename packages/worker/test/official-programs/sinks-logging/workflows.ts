import { log, proxyActivities, proxySinks, sleep, type Sinks } from '@temporalio/workflow';
import type * as activities from './activities';

/** Sinks this workflow calls; the worker provides them. */
export interface AuditSinks extends Sinks {
  audit: {
    record(event: string, step: number): void;
  };
}

const { audit } = proxySinks<AuditSinks>();
const { notifyCustomer } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });

/** Records an audit trail through a sink and logs through the workflow logger. */
export async function auditedOrder(orderId: string): Promise<string> {
  log.info('order received', { orderId });
  audit.record(`received ${orderId}`, 1);
  await sleep(10);
  await notifyCustomer(orderId);
  audit.record(`notified ${orderId}`, 2);
  log.warn('order complete', { orderId });
  return `audited ${orderId}`;
}
