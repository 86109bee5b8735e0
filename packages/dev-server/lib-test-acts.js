"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.greet = greet;
exports.flaky = flaky;
exports.failNonRetryable = failNonRetryable;
exports.heartbeatUntilCancelled = heartbeatUntilCancelled;
exports.waitForFile = waitForFile;
// Activities the official SDK worker runs in the tests.
const activity_1 = require("@temporalio/activity");
async function greet(name) {
    return `Hello, ${name}!`;
}
async function flaky(failures, _key) {
    const attempt = activity_1.Context.current().info.attempt;
    if (attempt <= failures)
        throw new Error(`failure on attempt ${attempt}`);
    return `succeeded on attempt ${attempt}`;
}
async function failNonRetryable() {
    throw activity_1.ApplicationFailure.create({ message: 'do not retry', type: 'Fatal', nonRetryable: true });
}
async function heartbeatUntilCancelled() {
    const ctx = activity_1.Context.current();
    for (;;) {
        ctx.heartbeat('beat');
        try {
            await ctx.sleep(100);
        }
        catch (err) {
            if (err instanceof activity_1.CancelledFailure)
                throw err;
            throw err;
        }
    }
}
/** Waits until `file` exists and returns its content (the crash test writes it after restarting the server). */
async function waitForFile(file) {
    const fs = await Promise.resolve().then(() => __importStar(require('node:fs/promises')));
    for (;;) {
        try {
            return await fs.readFile(file, 'utf8');
        }
        catch {
            await activity_1.Context.current().sleep(50);
        }
    }
}
