/**
 * Small type-level and runtime helpers shared by every Kairos package.
 *
 * @module
 */

/** `T` with every property required and non-nullable. */
export type NonNullableObject<T> = {
  [P in keyof T]-?: NonNullable<T[P]>;
};

/** Any function; the constraint used by {@link OmitLastParam} and interceptor `Next` types. */
export type AnyFunc = (...args: never[]) => unknown;

/** Drops the final entry of a tuple type. */
export type OmitLast<T> = T extends [...infer REST, unknown] ? REST : never;

/** The function type `F` without its last parameter. */
export type OmitLastParam<F extends AnyFunc> = (...args: OmitLast<Parameters<F>>) => ReturnType<F>;

/** Drops the leading entry of a tuple type. */
export type OmitFirst<T> = T extends [unknown, ...infer REST] ? REST : never;

/** The function type `T` without its first parameter (`never` if `T` is not a function). */
export type OmitFirstParam<T> = T extends AnyFunc ? (...args: OmitFirst<Parameters<T>>) => ReturnType<T> : never;

/** `T` where at least one of `Keys` must be present. */
export type RequireAtLeastOne<T, Keys extends keyof T = keyof T> = Pick<T, Exclude<keyof T, Keys>> &
  {
    [K in Keys]-?: Required<Pick<T, K>> & Partial<Pick<T, Exclude<Keys, K>>>;
  }[Keys];

/** Compile-time check that `_Copy` is assignable to `_Orig`; does nothing at run time. */
export function checkExtends<_Orig, _Copy extends _Orig>(): void {
  // Type-level assertion only.
}

/** `Base` with the properties of `New` replacing those of the same name. */
export type Replace<Base, New> = Omit<Base, keyof New> & New;

type SameKeys<A, B> = [keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false;

/**
 * `T` with every nested value of type `ToReplace` replaced by `ReplaceWith` (functions are left alone). A value is
 * replaced when it is assignable to `ToReplace` and has the same keys, so message types whose fields are all
 * optional are not mistaken for each other.
 */
export type ReplaceNested<T, ToReplace, ReplaceWith> = T extends AnyFunc
  ? T
  : [keyof T] extends [never]
    ? T
    : T extends Record<string, string>
      ? T
      : T extends { [k: string]: ToReplace }
        ? { [P in keyof T]: ReplaceNested<T[P], ToReplace, ReplaceWith> }
        : T extends ToReplace
          ? SameKeys<T, ToReplace> extends true
            ? ReplaceWith
            : { [P in keyof T]: ReplaceNested<T[P], ToReplace, ReplaceWith> }
          : { [P in keyof T]: ReplaceNested<T[P], ToReplace, ReplaceWith> };

/** Turns a union `A | B` into the intersection `A & B` (keeping the union so the result can still be indexed). */
export type UnionToIntersection<Union> = (Union extends unknown ? (arg: Union) => void : never) extends (
  arg: infer Intersection,
) => void
  ? Intersection & Union
  : never;

type IsEqual<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

type Primitive = null | undefined | string | number | boolean | symbol | bigint;

type ExactObject<Expected, Actual> = {
  [K in keyof Expected]: Exact<Expected[K], K extends keyof Actual ? Actual[K] : never>;
} & Record<Exclude<keyof Actual, keyof Expected>, never>;

/**
 * `Expected` when `Actual` has exactly its shape, otherwise a type that `Actual` fails to satisfy because of
 * the extra keys; used as a generic constraint to reject objects with unexpected properties.
 */
export type Exact<Expected, Actual> =
  IsEqual<Expected, Actual> extends true
    ? Expected
    : Expected extends Primitive
      ? Expected
      : Expected extends AnyFunc
        ? Expected
        : Expected extends readonly unknown[]
          ? Expected
          : ExactObject<Expected, Actual>;

/** The keys of `Keys` with `Prefix` removed (keys without the prefix map to `never`). */
export type RemovePrefix<Prefix extends string, Keys extends string> = {
  [K in Keys]: K extends `${Prefix}${infer Suffix}` ? Suffix : never;
}[Keys];

/** `true` for anything `typeof` calls an object, except `null` (arrays and class instances included). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * Narrows `record` to one that has `prop`. Despite the name, inherited properties count too (this is the `in`
 * operator).
 */
export function hasOwnProperty<X extends Record<string, unknown>, Y extends PropertyKey>(
  record: X,
  prop: Y,
): record is X & Record<Y, unknown> {
  return Reflect.has(record, prop);
}

/** Like {@link hasOwnProperty}, for several property names at once: all of them must be present. */
export function hasOwnProperties<X extends Record<string, unknown>, Y extends PropertyKey>(
  record: X,
  props: Y[],
): record is X & Record<Y, unknown> {
  for (const key of props) {
    if (!Reflect.has(record, key)) return false;
  }
  return true;
}

/**
 * Duck-typed `Error` check: string `name` and `message`, and a `stack` that is a string or absent. Unlike
 * `instanceof Error` it also accepts errors made in another realm, such as the workflow sandbox.
 */
export function isError(error: unknown): error is Error {
  if (!isRecord(error)) return false;
  if (typeof error.name !== 'string' || typeof error.message !== 'string') return false;
  const stack = error.stack;
  return stack === undefined || stack === null || typeof stack === 'string';
}

/** Recognises the error `AbortSignal`-aware APIs reject with (named `AbortError`). */
export function isAbortError(error: unknown): error is Error & { name: 'AbortError' } {
  return isError(error) ? error.name === 'AbortError' : false;
}

/** A printable message for a caught value: an error's `message`, a string as is, `undefined` for anything else. */
export function errorMessage(error: unknown): string | undefined {
  if (typeof error === 'string') return error;
  return isError(error) ? error.message : undefined;
}

/** The `code` of Node-style system errors (`'ECONNREFUSED'`...), when it is a string. */
export function errorCode(error: unknown): string | undefined {
  const code = isRecord(error) ? error.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** For exhaustive `switch`es: the compiler rejects any call it can reach, and a call at run time throws. */
export function assertNever(msg: string, x: never): never {
  throw new TypeError(`${msg}: ${String(x)}`);
}

/** A constructor of errors of type `E`. */
export type Class<E extends Error> = {
  new (...args: never[]): E;
  prototype: E;
};

/** Key shared with the official SDK, so that its errors and ours recognise each other. */
function brandKey(markerName: string): symbol {
  return Symbol.for(`__temporal_is${markerName}`);
}

/**
 * Returns a function to call on an error class right after declaring it, as in
 * `SymbolBasedInstanceOfError('X')(X)`. It fixes `X.prototype.name` to `markerName` and brands the prototype with a
 * registered symbol, then replaces `instanceof X` with a check for that brand. Instances therefore pass the check
 * even when they come from another realm or from a second loaded copy of the package. A subclass that is not
 * branded itself inherits the custom check, which then falls back to a plain prototype-chain test.
 */
export function SymbolBasedInstanceOfError<E extends Error>(markerName: string): (clazz: Class<E>) => void {
  const brand = brandKey(markerName);
  return (clazz: Class<E>): void => {
    const proto: object = clazz.prototype;
    Object.defineProperty(proto, 'name', { value: markerName, enumerable: true });
    Object.defineProperty(proto, brand, { value: true, enumerable: false });

    function hasBrandOrPrototype(this: unknown, candidate: unknown): boolean {
      if (this !== clazz) {
        // Reached through a subclass that was not branded: judge by that subclass' own prototype.
        const ownProto = (this as { prototype?: object }).prototype;
        if (ownProto === undefined) return false;
        return Object.prototype.isPrototypeOf.call(ownProto, candidate as object);
      }
      if (!isRecord(candidate)) return false;
      return (candidate as Record<symbol, unknown>)[brand] === true;
    }
    Object.defineProperty(clazz, Symbol.hasInstance, { value: hasBrandOrPrototype });
  };
}
