import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes; the server must have them registered. */
export const orderStatus = defineSearchAttributeKey('CustomKeywordField', SearchAttributeType.KEYWORD);
export const orderPriority = defineSearchAttributeKey('CustomIntField', SearchAttributeType.INT);
