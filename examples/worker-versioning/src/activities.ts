/** Activities of the shop: both versions of the workflows call them (here they only describe what they did). */
export async function chargeOrder(orderId: string): Promise<string> {
  return `charged ${orderId}`;
}

export async function reserveStock(orderId: string): Promise<string> {
  return `reserved ${orderId}`;
}

export async function shipOrder(orderId: string, method: string): Promise<string> {
  return `shipped ${orderId} by ${method}`;
}

export async function sendNewsletter(issue: string, format: string): Promise<string> {
  return `sent ${issue} as ${format}`;
}
