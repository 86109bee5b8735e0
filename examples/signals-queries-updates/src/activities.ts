/** Activities: none are needed here; signals, queries and updates are handled by the workflow itself. */
export {};
