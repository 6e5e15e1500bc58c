export {
  createMemoryObjectStore,
  type KeyMatcher,
  type MemoryObjectStore,
  type MemoryObjectStoreOptions,
  type ObjectStoreCall,
  type StoredObject,
} from "./memory-object-store";
