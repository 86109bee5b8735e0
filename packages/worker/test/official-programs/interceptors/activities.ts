/** Greets; the activity interceptor appends who scheduled the activity. */
export async function greet(name: string, scheduledBy?: string): Promise<string> {
  return `Hello, ${name}! (scheduled by ${scheduledBy ?? 'unknown'})`;
}
