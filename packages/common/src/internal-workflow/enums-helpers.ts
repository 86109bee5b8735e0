import { ValueError } from '../errors';

/** The short string values of a const-object enum such as `{ ABANDON: 'ABANDON', X_ABANDON: 'ABANDON' }`. */
export type ConstEnumValue<ConstEnum> = Exclude<ConstEnum[keyof ConstEnum], undefined>;

/**
 * The table given to {@link makeProtoEnumConverters}: the proto enum number of every short value, plus the
 * optional `UNSPECIFIED: 0` entry when the proto enum has an unspecified member.
 */
export type ProtoEnumMapTable<ShortValue extends string, ProtoEnumValue extends number> = {
  readonly [K in ShortValue]: ProtoEnumValue;
} & { readonly UNSPECIFIED?: ProtoEnumValue };

/** Converts a short string (or its long `PREFIX_`-ed proto name, or a proto number) to the proto enum number. */
export type ProtoEnumEncoder<ShortValue extends string, ProtoEnumValue extends number, Prefix extends string> = (
  input: ShortValue | `${Prefix}${ShortValue}` | ProtoEnumValue | null | undefined,
) => ProtoEnumValue | undefined;

/** Converts a proto enum number to the short string (`undefined` for unset or `UNSPECIFIED`). */
export type ProtoEnumDecoder<ShortValue extends string, ProtoEnumValue extends number> = (
  input: ProtoEnumValue | null | undefined,
) => ShortValue | undefined;

/**
 * Builds the `encodeX`/`decodeX` pair that maps the string values of a public const-object enum (such as
 * `'ALLOW_DUPLICATE'`) to the numbers of the matching proto enum (such as
 * `WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE = 1`) and back, without importing the proto enum at run time, so
 * workflow code does not pull the protobuf definitions into its bundle.
 *
 * - `mapTable` gives the proto number of each short value, and `UNSPECIFIED: 0` when the proto enum has one.
 * - `prefix` is the proto naming prefix (`'WORKFLOW_ID_REUSE_POLICY_'`, or `''`); the encoder accepts both the
 *   short and the prefixed spelling, and passes numbers through.
 * - The decoder maps `0` to `undefined` when the enum has an unspecified member, and numbers this code does not
 *   know (added to the proto later) to `'unknown_<n>'` instead of throwing.
 *
 * Usage: `makeProtoEnumConverters<ProtoEnum, typeof ConstEnum, 'PREFIX_'>({ A: 1, B: 2, UNSPECIFIED: 0 }, 'PREFIX_')`.
 *
 * @internal
 */
export function makeProtoEnumConverters<
  ProtoEnumValue extends number,
  ConstEnum extends Record<string, string | undefined>,
  Prefix extends string,
>(
  mapTable: ProtoEnumMapTable<ConstEnumValue<ConstEnum> & string, ProtoEnumValue>,
  prefix: Prefix,
): [
  ProtoEnumEncoder<ConstEnumValue<ConstEnum> & string, ProtoEnumValue, Prefix>,
  ProtoEnumDecoder<ConstEnumValue<ConstEnum> & string, ProtoEnumValue>,
] {
  type Short = ConstEnumValue<ConstEnum> & string;
  const numberByName = new Map<string, ProtoEnumValue>();
  const nameByNumber = new Map<number, Short>();
  let hasUnspecified = false;
  for (const [name, value] of Object.entries(mapTable) as [string, ProtoEnumValue][]) {
    if (name === 'UNSPECIFIED') {
      hasUnspecified = value === 0;
      continue;
    }
    numberByName.set(name, value);
    nameByNumber.set(value, name as Short);
  }

  const encode: ProtoEnumEncoder<Short, ProtoEnumValue, Prefix> = (input) => {
    if (input === null || input === undefined) return undefined;
    if (typeof input === 'number') return input;
    if (typeof input === 'string') {
      const short = prefix !== '' && input.startsWith(prefix) ? input.slice(prefix.length) : input;
      const value = numberByName.get(short);
      if (value !== undefined) return value;
      const accepted = [...numberByName.keys()].map((name) => `'${name}'`).join(', ');
      throw new ValueError(`Invalid enum value: '${input}' (expected one of ${accepted})`);
    }
    throw new ValueError(`Invalid enum value: '${String(input)}' of type ${typeof input}`);
  };

  const decode: ProtoEnumDecoder<Short, ProtoEnumValue> = (input) => {
    if (input === null || input === undefined) return undefined;
    if (typeof input !== 'number') {
      throw new ValueError(`Invalid proto enum value: '${String(input)}' of type ${typeof input}`);
    }
    if (hasUnspecified && input === 0) return undefined;
    // A number added to the proto after this code was written: report it instead of failing the whole decode.
    return nameByNumber.get(input) ?? (`unknown_${input}` as Short);
  };

  return [encode, decode];
}
