/** Activities: shipping an order. */
export async function ship(orderId: string): Promise<string> {
  return `tracking-${orderId}`;
}
