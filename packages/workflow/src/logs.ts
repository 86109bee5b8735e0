import { SdkComponent } from '@kairos/common';
import { composeInterceptors } from '@kairos/common/lib/interceptors';
import { maybeGetActivator, getActivator } from './global-attributes';
import type { WorkflowInfo } from './interfaces';
import { type Sink, type Sinks, proxySinks } from './sinks';
import { isCancellation } from './errors';
import { ContinueAsNew } from './interfaces';

/** The workflow logger: each call goes to the worker's logger (`Runtime.logger`) unless history is replayed. */
export interface WorkflowLogger extends Sink {
  trace(message: string, attrs?: Record<string, unknown>): void;
  debug(message: string, attrs?: Record<string, unknown>): void;
  info(message: string, attrs?: Record<string, unknown>): void;
  warn(message: string, attrs?: Record<string, unknown>): void;
  error(message: string, attrs?: Record<string, unknown>): void;
}

/** @deprecated The old logger sink interface; use {@link log}. */
export interface LoggerSinksDeprecated extends Sinks {
  defaultWorkerLogger: WorkflowLogger;
}

/** The reserved sink the worker routes workflow logs through. */
export interface LoggerSinksInternal extends Sinks {
  __temporal_logger: WorkflowLogger;
}

const loggerSink = proxySinks<LoggerSinksInternal>().__temporal_logger;

function makeLogFunction(level: keyof WorkflowLogger): (message: string, attrs?: Record<string, unknown>) => void {
  return (message, attrs) => {
    const activator = maybeGetActivator();
    if (activator === undefined) throw new Error('Workflow.log(...) may only be used from workflow context.');
    const getAttributes = composeInterceptors(activator.interceptors.outbound, 'getLogAttributes', (a) => a);
    loggerSink[level](message, {
      sdkComponent: SdkComponent.workflow,
      ...getAttributes(workflowLogAttributes(activator.info)),
      ...attrs,
    });
  };
}

/**
 * Logs from workflow code. Messages carry the workflow's attributes (namespace, task queue, workflow id, run id,
 * workflow type) and are dropped while history is replayed, so each is logged once.
 */
export const log: WorkflowLogger = {
  trace: makeLogFunction('trace'),
  debug: makeLogFunction('debug'),
  info: makeLogFunction('info'),
  warn: makeLogFunction('warn'),
  error: makeLogFunction('error'),
};

/** The attributes every workflow log message carries. */
export function workflowLogAttributes(info: WorkflowInfo): Record<string, unknown> {
  return {
    namespace: info.namespace,
    taskQueue: info.taskQueue,
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.workflowType,
  };
}

/** Runs the workflow function with "Workflow started" / "completed" / "failed" debug-level lifecycle logs. */
export async function executeWithLifecycleLogging(fn: () => Promise<unknown>): Promise<unknown> {
  log.debug('Workflow started', { sdkComponent: SdkComponent.worker });
  try {
    const result = await fn();
    log.debug('Workflow completed', { sdkComponent: SdkComponent.worker });
    return result;
  } catch (error) {
    if (isCancellation(error) && getActivator().cancelled) {
      log.debug('Workflow completed as cancelled', { sdkComponent: SdkComponent.worker });
    } else if (error instanceof ContinueAsNew) {
      log.debug('Workflow continued as new', { sdkComponent: SdkComponent.worker });
    } else {
      log.warn('Workflow failed', { error, sdkComponent: SdkComponent.worker });
    }
    throw error;
  }
}
