import {
  allHandlersFinished,
  condition,
  currentUpdateInfo,
  defineQuery,
  defineSignal,
  defineUpdate,
  setDefaultQueryHandler,
  setDefaultSignalHandler,
  setDefaultUpdateHandler,
  setHandler,
  sleep,
} from '@temporalio/workflow';

export const addItemSignal = defineSignal<[string]>('addItem');
export const closeSignal = defineSignal('close');
export const itemsQuery = defineQuery<string[]>('items');
export const countOfQuery = defineQuery<number, [string]>('countOf');
export const applyCouponUpdate = defineUpdate<string, [string]>('applyCoupon');

export interface CartResult {
  items: string[];
  unhandled: string[];
}

/** A shopping cart driven by signals, queries and updates. */
export async function cart(): Promise<CartResult> {
  const items: string[] = [];
  const unhandled: string[] = [];
  let closed = false;

  setHandler(addItemSignal, (item) => void items.push(item), { description: 'Adds one item' });
  setHandler(closeSignal, () => void (closed = true));
  setHandler(itemsQuery, () => items, { description: 'Lists the items' });
  setHandler(countOfQuery, (item) => items.filter((i) => i === item).length);
  setHandler(
    applyCouponUpdate,
    async (code) => {
      await sleep(10);
      items.push(`coupon:${code}`);
      const info = currentUpdateInfo();
      return `${info?.name} ${info?.id}: ${items.length} items`;
    },
    {
      validator: (code) => {
        if (!/^[A-Z0-9]+$/.test(code)) throw new Error(`invalid coupon code ${JSON.stringify(code)}`);
      },
      description: 'Applies a coupon',
    },
  );
  setDefaultSignalHandler((name, ...args) => void unhandled.push(`signal ${name} ${JSON.stringify(args)}`));
  setDefaultQueryHandler((name, ...args) => `no query ${name} ${JSON.stringify(args)}`);
  setDefaultUpdateHandler((name, ...args) => {
    unhandled.push(`update ${name} ${JSON.stringify(args)}`);
    return `update ${name} handled by default`;
  });

  await condition(() => closed);
  await condition(allHandlersFinished);
  return { items, unhandled };
}
