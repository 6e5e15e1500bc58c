export { type ConnectionSource, createConnectionResolver } from "./credentials";
export { openSourceSnapshot, type SourceSnapshot } from "./source/snapshot";
export { qualified, quoteIdent } from "./sql";
