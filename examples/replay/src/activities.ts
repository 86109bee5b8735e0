/** Activities: one, so that the recorded history has an activity in it. */
export async function greet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}
