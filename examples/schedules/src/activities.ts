/** Activities: none; the scheduled workflow only builds its reminder. */
export {};
