/**
 * Proto enum converters for the const-object enums of this package whose proto enum numbers its members
 * in declaration order.
 *
 * @module
 * @internal
 */
import type { ConstEnumValue, ProtoEnumMapTable } from '@kairos/common/lib/internal-workflow';
import { makeProtoEnumConverters } from '@kairos/common/lib/internal-workflow';

type Converters<
  ProtoEnumValue extends number,
  ConstEnum extends Record<string, string | undefined>,
  Prefix extends string,
> = ReturnType<typeof makeProtoEnumConverters<ProtoEnumValue, ConstEnum, Prefix>>;

/**
 * The `[encode, decode]` pair of a proto enum whose unspecified member is 0 and whose other members are
 * 1, 2, 3, … in the order of `membersInProtoOrder`, which must list every value of `ConstEnum` once.
 */
export function convertersInProtoOrder<
  ProtoEnumValue extends number,
  ConstEnum extends Record<string, string | undefined>,
  Prefix extends string,
>(
  prefix: Prefix,
  membersInProtoOrder: readonly (ConstEnumValue<ConstEnum> & string)[],
): Converters<ProtoEnumValue, ConstEnum, Prefix> {
  const numbers: Record<string, number> = Object.fromEntries(membersInProtoOrder.map((name, i) => [name, i + 1]));
  numbers.UNSPECIFIED = 0;
  type Table = ProtoEnumMapTable<ConstEnumValue<ConstEnum> & string, ProtoEnumValue>;
  return makeProtoEnumConverters<ProtoEnumValue, ConstEnum, Prefix>(numbers as Table, prefix);
}
