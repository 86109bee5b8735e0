/** Activities: ordinary functions that may have side effects (here, none). */
export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}
