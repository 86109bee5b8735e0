/** The custom search attributes of this example, shared by the workflow, the client and the server setup. */
import { defineSearchAttributeKey, SearchAttributeType } from '@kairos/common';

export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const ORDER_TOTAL = defineSearchAttributeKey('OrderTotal', SearchAttributeType.DOUBLE);

export const SEARCH_ATTRIBUTES = [CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL];
