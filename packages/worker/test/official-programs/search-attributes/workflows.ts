import { sleep, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { orderPriority, orderStatus } from './search-attributes';

export interface Snapshot {
  status?: string;
  priority?: number;
  legacyStatus?: unknown;
  memo?: Record<string, unknown>;
}

function snapshot(): Snapshot {
  const info = workflowInfo();
  return {
    status: info.typedSearchAttributes.get(orderStatus),
    priority: info.typedSearchAttributes.get(orderPriority),
    legacyStatus: info.searchAttributes[orderStatus.name],
    memo: info.memo,
  };
}

/** Reads its search attributes and memo, changes them, and reads them again. */
export async function trackOrder(): Promise<{ before: Snapshot; after: Snapshot }> {
  const before = snapshot();
  upsertSearchAttributes([
    { key: orderStatus, value: 'shipped' },
    { key: orderPriority, value: 7 },
  ]);
  upsertMemo({ note: 'left the warehouse', courier: null });
  await sleep(10);
  return { before, after: snapshot() };
}
