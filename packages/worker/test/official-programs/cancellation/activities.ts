/** Releases what an order held; run from a non-cancellable scope after the order was cancelled. */
export async function releaseReservation(orderId: string): Promise<string> {
  return `released ${orderId}`;
}
