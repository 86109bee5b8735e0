/** Activities: the casual greeting the first version used, and the formal one that replaced it. */
export async function casualGreeting(name: string): Promise<string> {
  return `Hi ${name}!`;
}

export async function formalGreeting(name: string): Promise<string> {
  return `Good day, ${name}.`;
}
