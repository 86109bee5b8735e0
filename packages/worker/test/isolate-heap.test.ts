import ivm from 'isolated-vm';
import { newWorkflowIsolate, processSemiSpaceFlag, WORKFLOW_SEMI_SPACE_MB } from '../src/workflow/isolate-host';

const MB = 1024 * 1024;

/** The heap size limit of an isolate (its old generation, the memory limit, plus its young generation). */
function heapSizeLimit(isolate: ivm.Isolate): number {
  try {
    return isolate.getHeapStatisticsSync().heap_size_limit;
  } finally {
    isolate.dispose();
  }
}

describe('workflow isolate heap', () => {
  test('a workflow isolate gets a young generation of WORKFLOW_SEMI_SPACE_MB semi-spaces', () => {
    const plain = heapSizeLimit(new ivm.Isolate({ memoryLimit: 256 }));
    const workflow = heapSizeLimit(newWorkflowIsolate({ memoryLimit: 256 }));
    // isolated-vm's own sizing at 256 MB: a 4 MB young generation. Ours: two semi-spaces and the new large object
    // space of WORKFLOW_SEMI_SPACE_MB each.
    expect(plain).toBeLessThan((256 + 3 * WORKFLOW_SEMI_SPACE_MB) * MB);
    expect(workflow).toBeGreaterThanOrEqual((256 + 3 * WORKFLOW_SEMI_SPACE_MB) * MB);
  });

  test('isolates made afterwards get V8 default sizing again', () => {
    const before = heapSizeLimit(new ivm.Isolate({ memoryLimit: 128 }));
    heapSizeLimit(newWorkflowIsolate({ memoryLimit: 128 }));
    const after = heapSizeLimit(new ivm.Isolate({ memoryLimit: 128 }));
    expect(after).toBe(before);
  });

  test.each([
    [[], '', undefined],
    [['--max-semi-space-size=64'], '', 64],
    [['--max-semi-space-size', '8'], '', 8],
    [[], '--inspect --max_semi_space_size=32', 32],
    [['--max-semi-space-size=4'], '--max-semi-space-size=32', 4],
    [['--max-semi-space-size=lots'], '', undefined],
    [['--max-old-space-size=64'], '', undefined],
  ] as const)('the process flag in %j and NODE_OPTIONS %j is %s', (execArgv, nodeOptions, expected) => {
    expect(processSemiSpaceFlag(execArgv, nodeOptions)).toBe(expected);
  });
});
