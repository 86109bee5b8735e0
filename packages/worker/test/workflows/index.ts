export * from './hello';
export * from './features';
export * from './sandbox';
export * from './timer-loop';
export * from './interceptors';
export * from './more';
export * from './activities';
export * from './nexus';
