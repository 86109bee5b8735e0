/** Activities: none; the children do the work here. */
export {};
