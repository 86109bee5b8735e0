/** Workflows: a parent that runs one child per name, in parallel, and joins their answers (the official sample). */
import { executeChild, workflowInfo } from '@kairos/workflow';

/** Runs `childWorkflow` for each name and returns their answers, one per line. */
export async function parentWorkflow(...names: string[]): Promise<string> {
  const answers = await Promise.all(
    names.map((name) =>
      executeChild(childWorkflow, {
        args: [name],
        // Child ids must be unique; derive them from the parent's so that they are easy to find.
        workflowId: `${workflowInfo().workflowId}-${name}`,
      }),
    ),
  );
  return answers.join('\n');
}

/** A child: answers with its name. */
export async function childWorkflow(name: string): Promise<string> {
  return `I am a child named ${name}`;
}
