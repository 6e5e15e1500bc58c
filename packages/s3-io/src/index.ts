export * from "./keys";
export type { ObjectInfo, ObjectStore, PutOptions } from "./object-store";
