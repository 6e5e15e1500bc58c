import type { ObjectStore } from "@etl/s3-io";

/** What a killed process's calls see: nothing it asks for happens any more. */
export const KILLED = "the process was killed";

export interface CrashingStore {
  store: ObjectStore;
  /** True once the process "died". */
  readonly crashed: boolean;
}

/**
 * Wraps a store so that the process "dies" right after the first put whose key matches: that
 * put lands, every later call (put, delete, get, list) fails, so the attempt's own cleanup cannot
 * run either. What the store holds afterwards is what a SIGKILL or a Lambda timeout leaves.
 */
export function crashAfterPut(store: ObjectStore, matches: (key: string) => boolean): CrashingStore {
  let crashed = false;
  const alive = () => {
    if (crashed) throw new Error(KILLED);
  };
  const wrapped: ObjectStore = {
    async put(bucket, key, body, options) {
      alive();
      const info = await store.put(bucket, key, body, options);
      if (matches(key)) crashed = true;
      return info;
    },
    async putStream(bucket, key, body, options) {
      alive();
      const info = await store.putStream(bucket, key, body, options);
      if (matches(key)) crashed = true;
      return info;
    },
    async get(bucket, key) {
      alive();
      return store.get(bucket, key);
    },
    async getStream(bucket, key) {
      alive();
      return store.getStream(bucket, key);
    },
    async head(bucket, key) {
      alive();
      return store.head(bucket, key);
    },
    async *list(bucket, prefix) {
      alive();
      for await (const object of store.list(bucket, prefix)) {
        alive();
        yield object;
      }
    },
    async copy(bucket, fromKey, toKey, toBucket) {
      alive();
      return store.copy(bucket, fromKey, toKey, toBucket);
    },
    async delete(bucket, key) {
      alive();
      return store.delete(bucket, key);
    },
  };
  return {
    store: wrapped,
    get crashed() {
      return crashed;
    },
  };
}

/** Hooks around a store's puts: `before` may hold a put back, `after` sees it landed. */
export interface PutHooks {
  before?(key: string): Promise<void> | void;
  after?(key: string): Promise<void> | void;
}

/**
 * Wraps a store so a test can order two attempts' puts deterministically (hold one attempt's
 * manifest put until the other's has landed, or its next part until the other has finished).
 */
export function withPutHooks(store: ObjectStore, hooks: PutHooks): ObjectStore {
  return {
    ...store,
    async put(bucket, key, body, options) {
      await hooks.before?.(key);
      const info = await store.put(bucket, key, body, options);
      await hooks.after?.(key);
      return info;
    },
  };
}

/** A promise with its resolve function, to hold something back until a test lets it go. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
