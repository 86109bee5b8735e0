import * as official from '@temporalio/common';
import * as officialActivityOptions from '@temporalio/common/lib/activity-options';
import * as officialContinueAsNew from '@temporalio/common/lib/continue-as-new';
import * as officialSearchAttributes from '@temporalio/common/lib/search-attributes';
import { coresdk } from '@temporalio/proto';
import { temporal } from '@kairos/proto';
import * as ours from '../src';
import { decodeActivityCancellationType, encodeActivityCancellationType } from '../src/activity-options';
import {
  decodeSuggestContinueAsNewReason,
  encodeSuggestContinueAsNewReason,
  suggestContinueAsNewReasonsFromProto,
} from '../src/continue-as-new';
import { makeProtoEnumConverters } from '../src/internal-workflow';
import { decodeSearchAttributeIndexedValueType, encodeSearchAttributeIndexedValueType } from '../src/search-attributes';
import { VersioningIntent, versioningIntentToProto } from '../src/versioning-intent-enum';

type Encoder = (input: never) => number | undefined;
type Decoder = (input: number | null | undefined) => string | undefined;

interface EnumCase {
  constObject: Record<string, string | undefined>;
  encode: Encoder;
  decode: Decoder;
  protoEnum: Record<string, number | string>;
  prefix: string;
  officialEncode?: Encoder;
}

const e = temporal.api.enums.v1;
const cases: Record<string, EnumCase> = {
  WorkflowIdReusePolicy: {
    constObject: ours.WorkflowIdReusePolicy,
    encode: ours.encodeWorkflowIdReusePolicy as Encoder,
    decode: ours.decodeWorkflowIdReusePolicy as Decoder,
    protoEnum: e.WorkflowIdReusePolicy,
    prefix: 'WORKFLOW_ID_REUSE_POLICY_',
    officialEncode: official.encodeWorkflowIdReusePolicy as Encoder,
  },
  WorkflowIdConflictPolicy: {
    constObject: ours.WorkflowIdConflictPolicy,
    encode: ours.encodeWorkflowIdConflictPolicy as Encoder,
    decode: ours.decodeWorkflowIdConflictPolicy as Decoder,
    protoEnum: e.WorkflowIdConflictPolicy,
    prefix: 'WORKFLOW_ID_CONFLICT_POLICY_',
    officialEncode: official.encodeWorkflowIdConflictPolicy as Encoder,
  },
  TimeoutType: {
    constObject: ours.TimeoutType,
    encode: ours.encodeTimeoutType as Encoder,
    decode: ours.decodeTimeoutType as Decoder,
    protoEnum: e.TimeoutType,
    prefix: 'TIMEOUT_TYPE_',
    officialEncode: official.encodeTimeoutType as Encoder,
  },
  RetryState: {
    constObject: ours.RetryState,
    encode: ours.encodeRetryState as Encoder,
    decode: ours.decodeRetryState as Decoder,
    protoEnum: e.RetryState,
    prefix: 'RETRY_STATE_',
    officialEncode: official.encodeRetryState as Encoder,
  },
  ApplicationFailureCategory: {
    constObject: ours.ApplicationFailureCategory,
    encode: ours.encodeApplicationFailureCategory as Encoder,
    decode: ours.decodeApplicationFailureCategory as Decoder,
    protoEnum: e.ApplicationErrorCategory,
    prefix: 'APPLICATION_ERROR_CATEGORY_',
    officialEncode: official.encodeApplicationFailureCategory as Encoder,
  },
  VersioningBehavior: {
    constObject: ours.VersioningBehavior,
    encode: ours.encodeVersioningBehavior as Encoder,
    decode: ours.decodeVersioningBehavior as Decoder,
    protoEnum: e.VersioningBehavior,
    prefix: 'VERSIONING_BEHAVIOR_',
    officialEncode: official.encodeVersioningBehavior as Encoder,
  },
  InitialVersioningBehavior: {
    constObject: ours.InitialVersioningBehavior,
    encode: ours.encodeInitialVersioningBehavior as Encoder,
    decode: ours.decodeInitialVersioningBehavior as Decoder,
    protoEnum: e.ContinueAsNewVersioningBehavior,
    prefix: 'CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_',
    officialEncode: official.encodeInitialVersioningBehavior as Encoder,
  },
  SuggestContinueAsNewReason: {
    constObject: ours.SuggestContinueAsNewReason,
    encode: encodeSuggestContinueAsNewReason as Encoder,
    decode: decodeSuggestContinueAsNewReason as Decoder,
    protoEnum: e.SuggestContinueAsNewReason,
    prefix: 'SUGGEST_CONTINUE_AS_NEW_REASON_',
    officialEncode: officialContinueAsNew.encodeSuggestContinueAsNewReason as Encoder,
  },
  SearchAttributeType: {
    constObject: ours.SearchAttributeType,
    encode: encodeSearchAttributeIndexedValueType as Encoder,
    decode: decodeSearchAttributeIndexedValueType as Decoder,
    protoEnum: e.IndexedValueType,
    prefix: 'INDEXED_VALUE_TYPE_',
    officialEncode: officialSearchAttributes.encodeSearchAttributeIndexedValueType as Encoder,
  },
  ParentClosePolicy: {
    constObject: ours.ParentClosePolicy,
    encode: ours.encodeParentClosePolicy as Encoder,
    decode: ours.decodeParentClosePolicy as Decoder,
    protoEnum: e.ParentClosePolicy,
    prefix: 'PARENT_CLOSE_POLICY_',
  },
  ActivityCancellationType: {
    constObject: ours.ActivityCancellationType,
    encode: encodeActivityCancellationType as Encoder,
    decode: decodeActivityCancellationType as Decoder,
    protoEnum: coresdk.workflow_commands.ActivityCancellationType,
    prefix: '',
    officialEncode: officialActivityOptions.encodeActivityCancellationType as Encoder,
  },
  ChildWorkflowCancellationType: {
    constObject: ours.ChildWorkflowCancellationType,
    encode: ours.encodeChildWorkflowCancellationType as Encoder,
    decode: ours.decodeChildWorkflowCancellationType as Decoder,
    protoEnum: coresdk.child_workflow.ChildWorkflowCancellationType,
    prefix: '',
  },
};

/** The member names of a TypeScript/protobufjs numeric enum object (which also maps numbers back to names). */
function protoMembers(protoEnum: Record<string, number | string>): [string, number][] {
  return Object.entries(protoEnum).filter((entry): entry is [string, number] => typeof entry[1] === 'number');
}

describe.each(Object.entries(cases))('%s', (_name, c) => {
  const shortValues = [...new Set(Object.values(c.constObject).filter((v): v is string => v !== undefined))];

  test('encodes every value to the proto enum number, in short and long form', () => {
    for (const value of shortValues) {
      const number = c.protoEnum[`${c.prefix}${value}`];
      expect([value, c.encode(value as never)]).toEqual([value, number]);
      expect(c.encode(`${c.prefix}${value}` as never)).toBe(number);
      if (c.officialEncode) expect(c.officialEncode(value as never)).toBe(number);
    }
  });

  test('decodes every proto enum number, and unspecified to undefined', () => {
    for (const [member, number] of protoMembers(c.protoEnum)) {
      const short = member.slice(c.prefix.length);
      if (short === 'UNSPECIFIED') {
        expect(c.decode(number)).toBeUndefined();
      } else {
        expect([member, c.decode(number)]).toEqual([member, short]);
      }
    }
  });

  test('covers every member of the proto enum', () => {
    const covered = new Set(shortValues.map((v) => `${c.prefix}${v}`));
    const members = protoMembers(c.protoEnum)
      .map(([member]) => member)
      .filter((member) => !member.endsWith('UNSPECIFIED'));
    expect(members.filter((member) => !covered.has(member))).toEqual([]);
  });

  test('passes numbers through, maps null and undefined to undefined, and rejects unknown names', () => {
    expect(c.encode(3 as never)).toBe(3);
    expect(c.encode(undefined as never)).toBeUndefined();
    expect(c.encode(null as never)).toBeUndefined();
    expect(c.decode(undefined)).toBeUndefined();
    expect(c.decode(null)).toBeUndefined();
    expect(() => c.encode('NOT_A_VALUE' as never)).toThrow(ours.ValueError);
    expect(() => c.encode('NOT_A_VALUE' as never)).toThrow(/'NOT_A_VALUE'/);
    expect(c.decode(987)).toBe('unknown_987');
  });
});

describe('makeProtoEnumConverters', () => {
  const Color = { RED: 'RED', GREEN: 'GREEN', COLOR_RED: 'RED', COLOR_UNSPECIFIED: undefined } as const;
  const [encodeColor, decodeColor] = makeProtoEnumConverters<number, typeof Color, 'COLOR_'>(
    { RED: 1, GREEN: 2, UNSPECIFIED: 0 },
    'COLOR_',
  );

  test('builds converters for a new enum', () => {
    expect(encodeColor(Color.GREEN)).toBe(2);
    expect(encodeColor('COLOR_RED')).toBe(1);
    expect(decodeColor(2)).toBe('GREEN');
    expect(decodeColor(0)).toBeUndefined();
  });

  test('rejects values of the wrong type', () => {
    expect(() => encodeColor(true as never)).toThrow(/of type boolean/);
    expect(() => decodeColor('RED' as never)).toThrow(/of type string/);
  });

  test('decodes 0 as a real value when the enum has no unspecified member', () => {
    expect(decodeActivityCancellationType(0)).toBe('TRY_CANCEL');
  });
});

describe('other enums', () => {
  test('HandlerUnfinishedPolicy and SdkComponent match the official values', () => {
    expect(ours.HandlerUnfinishedPolicy).toEqual(official.HandlerUnfinishedPolicy);
    expect({ ...ours.SdkComponent }).toEqual({ ...official.SdkComponent });
  });

  test('versioningIntentToProto maps to the core protocol numbers', () => {
    expect(versioningIntentToProto(undefined)).toBe(VersioningIntent.UNSPECIFIED);
    expect(versioningIntentToProto('COMPATIBLE')).toBe(coresdk.common.VersioningIntent.COMPATIBLE);
    expect(versioningIntentToProto('DEFAULT')).toBe(coresdk.common.VersioningIntent.DEFAULT);
    expect(() => versioningIntentToProto('OTHER' as never)).toThrow(TypeError);
  });

  test('suggestContinueAsNewReasonsFromProto skips unspecified reasons', () => {
    expect(suggestContinueAsNewReasonsFromProto([0, 1, 3])).toEqual(['HISTORY_SIZE_TOO_LARGE', 'TOO_MANY_UPDATES']);
    expect(suggestContinueAsNewReasonsFromProto([0])).toBeUndefined();
    expect(suggestContinueAsNewReasonsFromProto(null)).toBeUndefined();
  });
});
