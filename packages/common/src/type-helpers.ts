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

/** A tuple without its last element. */
export type OmitLast<T> = T extends [...infer REST, unknown] ? REST : never;

/** The function type `F` without its last parameter. */
export type OmitLastParam<F extends AnyFunc> = (...args: OmitLast<Parameters<F>>) => ReturnType<F>;

/** A tuple without its first element. */
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

/** Whether `value` is a non-null object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Whether `record` has the property `prop` (own or inherited). */
export function hasOwnProperty<X extends Record<string, unknown>, Y extends PropertyKey>(
  record: X,
  prop: Y,
): record is X & Record<Y, unknown> {
  return prop in record;
}

/** Whether `record` has all the properties `props` (own or inherited). */
export function hasOwnProperties<X extends Record<string, unknown>, Y extends PropertyKey>(
  record: X,
  props: Y[],
): record is X & Record<Y, unknown> {
  return props.every((prop) => prop in record);
}

/**
 * Whether `error` looks like an `Error`: an object with a string `name` and `message`. Works for errors created
 * in another realm (the workflow isolate), where `instanceof Error` is false.
 */
export function isError(error: unknown): error is Error {
  return (
    isRecord(error) &&
    typeof error.name === 'string' &&
    typeof error.message === 'string' &&
    (error.stack === undefined || error.stack === null || typeof error.stack === 'string')
  );
}

/** Whether `error` is an error named `AbortError` (what `AbortSignal`-aware APIs throw). */
export function isAbortError(error: unknown): error is Error & { name: 'AbortError' } {
  return isError(error) && error.name === 'AbortError';
}

/** The `message` of an error, the value itself if it is a string, otherwise `undefined`. */
export function errorMessage(error: unknown): string | undefined {
  if (isError(error)) return error.message;
  if (typeof error === 'string') return error;
  return undefined;
}

/** The string `code` property of an error (as Node system errors have), otherwise `undefined`. */
export function errorCode(error: unknown): string | undefined {
  if (isRecord(error) && typeof error.code === 'string') return error.code;
  return undefined;
}

/** Marks a branch the compiler proves unreachable; throws a `TypeError` naming `x` if it is reached anyway. */
export function assertNever(msg: string, x: never): never {
  throw new TypeError(`${msg}: ${String(x)}`);
}

/** A constructor of errors of type `E`. */
export type Class<E extends Error> = {
  new (...args: never[]): E;
  prototype: E;
};

/**
 * Gives an error class a stable `name` and an `instanceof` check that works across realms and across several
 * loaded copies of the library. Apply it right after the class declaration: `SymbolBasedInstanceOfError('X')(X)`.
 *
 * The class prototype gets a marker property keyed by `Symbol.for('__temporal_is' + markerName)` (the key the
 * official SDK uses, so errors from either library are recognised by both), and `X[Symbol.hasInstance]` checks
 * for that marker. Subclasses that are not marked themselves fall back to the ordinary prototype check.
 */
export function SymbolBasedInstanceOfError<E extends Error>(markerName: string): (clazz: Class<E>) => void {
  return (clazz: Class<E>): void => {
    const marker = Symbol.for(`__temporal_is${markerName}`);
    Object.defineProperty(clazz.prototype, 'name', { value: markerName, enumerable: true });
    Object.defineProperty(clazz.prototype, marker, { value: true, enumerable: false });
    Object.defineProperty(clazz, Symbol.hasInstance, {
      value: function (this: unknown, instance: unknown): boolean {
        if (this === clazz) {
          return isRecord(instance) && (instance as Record<symbol, unknown>)[marker] === true;
        }
        // An unmarked subclass inherited this method: answer for the subclass, not for `clazz`.
        const prototype = (this as { prototype?: object }).prototype;
        return prototype !== undefined && Object.prototype.isPrototypeOf.call(prototype, instance as object);
      },
    });
  };
}
