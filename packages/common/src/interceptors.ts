import type { Payload } from './interfaces';
import type { AnyFunc, OmitLastParam } from './type-helpers';

/**
 * The `next` function an interceptor method receives to continue the chain: method `FN` of interceptor interface
 * `IF` without its last (`next`) parameter.
 */
export type Next<IF, FN extends keyof IF> = Required<IF>[FN] extends AnyFunc ? OmitLastParam<Required<IF>[FN]> : never;

/** Headers: header names mapped to payloads. */
export type Headers = Record<string, Payload>;

type WrapNext = <F extends AnyFunc>(next: F) => F;

type InterceptorMethod = (input: unknown, next: unknown) => unknown;

/**
 * Builds an interceptor chain like {@link composeInterceptors}, passing each `next` through `wrapNext` first.
 * The workflow runtime uses the hook to restore per-continuation state; other callers use the identity.
 */
export function composeInterceptorsWith<I, M extends keyof I>(
  interceptors: I[],
  method: M,
  next: Next<I, M>,
  wrapNext: WrapNext,
): Next<I, M> {
  let composed = next as unknown as AnyFunc;
  for (let i = interceptors.length - 1; i >= 0; --i) {
    const interceptor = interceptors[i];
    const intercept = interceptor?.[method] as InterceptorMethod | undefined;
    if (intercept === undefined) continue;
    const continuation = wrapNext(composed);
    composed = ((input: unknown) => intercept.call(interceptor, input, continuation)) as AnyFunc;
  }
  return composed as unknown as Next<I, M>;
}

/**
 * Composes the `method` of every interceptor into one function: calling it calls the first interceptor's method,
 * whose `next` calls the second's, and so on, the last one's `next` being `next` itself. Interceptors without the
 * method are skipped.
 */
export function composeInterceptors<I, M extends keyof I>(interceptors: I[], method: M, next: Next<I, M>): Next<I, M> {
  return composeInterceptorsWith(interceptors, method, next, (f) => f);
}
