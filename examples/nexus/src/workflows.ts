/**
 * Workflows: `callerWorkflow` calls both operations of `hello-service` through a Nexus endpoint;
 * `helloHandlerWorkflow` is the workflow behind the `hello` operation.
 */
import { NexusOperationFailure } from '@kairos/common';
import { ApplicationFailure, createNexusServiceClient, workflowInfo } from '@kairos/workflow';
import { type HelloInput, type HelloOutput, helloService, type Language } from './service';

/** The endpoint name the caller uses (created with the OperatorService, or `temporal operator nexus endpoint create`). */
export const ENDPOINT = 'hello-endpoint';

/** Calls `echo`, then `hello` (which runs a workflow on the handler's side), and returns both answers. */
export async function callerWorkflow(name: string, language: Language, endpoint = ENDPOINT): Promise<string[]> {
  const client = createNexusServiceClient({ endpoint, service: helloService });
  const echoed = await client.executeOperation(
    'echo',
    { message: `echo for ${name}` },
    { scheduleToCloseTimeout: '10s' },
  );
  const handle = await client.startOperation('hello', { name, language }, { scheduleToCloseTimeout: '10s' });
  const hello = await handle.result();
  return [echoed.message, hello.message];
}

/** Calls `hello` and returns the handler's failure message rather than failing (to show `NexusOperationFailure`). */
export async function callerExpectingFailure(name: string, endpoint = ENDPOINT): Promise<string> {
  const client = createNexusServiceClient({ endpoint, service: helloService });
  try {
    await client.executeOperation('hello', { name, language: 'xx' as Language }, { scheduleToCloseTimeout: '10s' });
    return 'no failure';
  } catch (err) {
    if (err instanceof NexusOperationFailure) return `${err.operation} failed: ${err.cause?.message}`;
    throw err;
  }
}

const GREETINGS: Record<Language, string> = { en: 'Hello', fr: 'Bonjour', de: 'Hallo', es: '¡Hola' };

/** Greets in the requested language; an unknown language fails the workflow, and so the operation. */
export async function helloHandlerWorkflow(input: HelloInput): Promise<HelloOutput> {
  const greeting = GREETINGS[input.language];
  // An ApplicationFailure fails the workflow (any other error would fail only the workflow task, which is retried).
  if (!greeting) throw ApplicationFailure.nonRetryable(`unknown language ${JSON.stringify(input.language)}`);
  return { message: `${greeting} ${input.name}, from workflow ${workflowInfo().workflowId}` };
}
