/** Activities: none; this example is about the workflow's history. */
export {};
