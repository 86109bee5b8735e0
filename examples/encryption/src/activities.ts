/** Activities: their arguments and results travel encrypted too. */
export async function reply(message: string): Promise<string> {
  return `${message}\nBob: Hi Alice, I'm Workflow Bob.`;
}
