export * from './hello';
export * from './features';
