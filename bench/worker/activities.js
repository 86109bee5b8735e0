// Activities of the worker benchmark, shared by both SDKs' workers (they import nothing from either SDK).
'use strict';

async function greet(name) {
  return `Hello, ${name}!`;
}

async function reserveStock(order) {
  return order.lines.map((line) => ({ sku: line.sku, reserved: line.quantity }));
}

async function releaseStock() {}

async function chargeCard(order) {
  return { chargeId: `charge-${order.id}`, amount: order.lines.reduce((sum, l) => sum + l.price * l.quantity, 0) };
}

async function refundCard() {}

async function shipParcel(order) {
  return { trackingNumber: `TRACK-${order.id}` };
}

async function notifyCustomer() {}

module.exports = { greet, reserveStock, releaseStock, chargeCard, refundCard, shipParcel, notifyCustomer };
