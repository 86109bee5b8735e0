import type { Sink, SinkFunction, Sinks, WorkflowInfo } from '@kairos/workflow';

/** A sink function as the worker provides it: called after the activation with the workflow's info. */
export interface InjectedSinkFunction<F extends SinkFunction> {
  fn(info: WorkflowInfo, ...args: Parameters<F>): void | Promise<void>;
  /** Whether to call it for activations that replay history. Default false. */
  callDuringReplay?: boolean;
}

/** The worker-side implementation of a sink interface. */
export type InjectedSink<T extends Sink> = {
  [P in keyof T]: InjectedSinkFunction<T[P]>;
};

/** The worker-side implementation of a set of sinks. */
export type InjectedSinks<T extends Sinks> = {
  [P in keyof T]: InjectedSink<T[P]>;
};
