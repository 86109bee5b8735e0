/* eslint-disable @typescript-eslint/no-explicit-any -- signatures mirror the official SDK, which uses `any` */
/**
 * Sinks: one-way calls from workflow code to functions the worker provides (`WorkerOptions.sinks`). Calls are
 * recorded during the activation and run by the worker after it, outside the isolate.
 *
 * @module
 */
import { getActivator } from './global-attributes';
import type { WorkflowInfo } from './interfaces';

/** A function of a sink; it returns nothing to the workflow. */
export type SinkFunction = (...args: any[]) => void;
/** A set of sink functions. */
export type Sink = Record<string, SinkFunction>;
/** The sinks a workflow uses, by interface name. */
export type Sinks = Record<string, Sink>;

/** A recorded call of a sink function. */
export interface SinkCall {
  ifaceName: string;
  fnName: string;
  args: any[];
  workflowInfo: WorkflowInfo;
}

/**
 * A typed proxy whose functions record sink calls: `proxySinks<MySinks>().alerts.send('x')`.
 * Arguments must be copyable out of the isolate (plain data).
 */
export function proxySinks<T extends Sinks>(): T {
  return new Proxy({} as T, {
    get(_, ifaceName) {
      return new Proxy(
        {},
        {
          get(_target, fnName) {
            return (...args: any[]) => {
              const activator = getActivator();
              activator.sinkCalls.push({
                ifaceName: ifaceName as string,
                fnName: fnName as string,
                args,
                workflowInfo: activator.info,
              });
            };
          },
        },
      );
    },
  });
}
