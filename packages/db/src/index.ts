export { qualified, quoteIdent } from "./sql";
