export * from './fields.js';
export * from './schema.js';
export * from './load.js';
export * from './labels.js';
export * from './upload-limit.js';
export * from './mail.js';
