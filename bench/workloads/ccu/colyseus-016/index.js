// Re-exported from here so that they resolve from this folder's node_modules (schema 3, not the root's 5).
export * as core from '@colyseus/core';
export * as schema from '@colyseus/schema';
export * as wsTransport from '@colyseus/ws-transport';
