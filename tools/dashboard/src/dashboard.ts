import { type Filters, filterQuery } from "./filters";
import { PAGE_TITLES, type PageId, type PageModel } from "./page-model";
import { type PipelineRecords, pipelinePage } from "./pipeline-page";
import { buildSnapshot, DEFAULT_NAMES, ledgerVersion, type Snapshot, type WarehouseNames } from "./snapshot";
import { starPage } from "./star-pages";
import { toUnavailable, type WarehouseReader } from "./warehouse-reader";

/** Star pages kept per snapshot (the oldest asked goes first). */
const MEMO_PAGES = 200;

export interface DashboardOptions {
  reader: WarehouseReader;
  records?: PipelineRecords;
  names?: WarehouseNames;
  now?: () => number;
}

/** Server time spent on one page, by part, for the `Server-Timing` header. */
export interface PageTimings {
  ledger: number;
  snapshot: number;
  page: number;
}

export interface Dashboard {
  /** A page's model; a warehouse that cannot be read gives a model with `problem` set, never a throw. */
  page(
    id: PageId,
    filters: Filters,
  ): Promise<{ model: PageModel; timings: PageTimings; currencies: string[] }>;
  /** Builds the figures now (the server does it before it says it is ready). */
  warm(): Promise<void>;
}

/**
 * The pages over one warehouse. The sales, purchase and payment figures come from a rollup of
 * the current facts, rebuilt when the load ledger changes: the warehouse only changes when a
 * load commits, and each commit writes the ledger in the same transaction, so a rollup of the
 * same ledger state has the same figures as the tables. Every page request reads the ledger
 * first; while a newer rollup is built, the page shows the previous one and says so.
 */
export function createDashboard(options: DashboardOptions): Dashboard {
  const { reader } = options;
  const names = options.names ?? DEFAULT_NAMES;
  const records = options.records ?? {};
  const now = options.now ?? (() => performance.now());
  let current: Snapshot | undefined;
  // Star pages of the current snapshot by filters: the same view asked again costs nothing.
  let pages = new Map<string, PageModel>();
  const starPageOf = (snapshot: Snapshot, id: Exclude<PageId, "pipeline">, filters: Filters) => {
    const key = `${id}${filterQuery(filters)}`;
    let model = pages.get(key);
    if (!model) {
      model = starPage(id, snapshot, filters);
      if (pages.size >= MEMO_PAGES) pages.delete(pages.keys().next().value ?? "");
      pages.set(key, model);
    }
    return model;
  };
  let building: { version: string; promise: Promise<Snapshot> } | undefined;

  const rebuild = (version: string) => {
    if (building?.version === version) return building.promise;
    const promise = buildSnapshot(reader, names).then(
      (snapshot) => {
        current = snapshot;
        pages = new Map();
        // The views every reader opens first, computed before anyone asks.
        for (const id of ["sales", "purchases", "payments"] as const) starPageOf(snapshot, id, {});
        if (building?.promise === promise) building = undefined;
        return snapshot;
      },
      (error: unknown) => {
        if (building?.promise === promise) building = undefined;
        throw error;
      },
    );
    building = { version, promise };
    return promise;
  };

  const snapshotFor = async (version: string): Promise<{ snapshot: Snapshot; stale: boolean }> => {
    if (current?.version === version) return { snapshot: current, stale: false };
    const pending = rebuild(version);
    if (current) {
      pending.catch(() => undefined);
      return { snapshot: current, stale: true };
    }
    return { snapshot: await pending, stale: false };
  };

  return {
    async warm() {
      await snapshotFor(await ledgerVersion(reader, names));
    },
    async page(id, filters) {
      const timings: PageTimings = { ledger: 0, snapshot: 0, page: 0 };
      const base: PageModel = {
        id,
        title: PAGE_TITLES[id],
        figures: [],
        charts: [],
        lists: [],
        notices: [],
        source: reader.name,
      };
      let at = now();
      const lap = (part: keyof PageTimings) => {
        const t = now();
        timings[part] = t - at;
        at = t;
      };
      try {
        const version = await ledgerVersion(reader, names);
        lap("ledger");
        const { snapshot, stale } = await snapshotFor(version);
        lap("snapshot");
        const model =
          id === "pipeline"
            ? await pipelinePage(reader, names, snapshot, records)
            : starPageOf(snapshot, id, filters);
        lap("page");
        const currencies = [...new Set(Object.values(snapshot.rollups).flatMap((r) => r.currencies))].sort();
        const notices = stale
          ? [
              `A newer load was committed: these figures are as of ${snapshot.builtAt}; reload in a moment for the new ones.`,
            ]
          : [];
        return {
          model: {
            ...model,
            notices: [...notices, ...model.notices],
            source: `${reader.name}, figures as of ${snapshot.builtAt}`,
          },
          timings,
          currencies,
        };
      } catch (error) {
        const problem = toUnavailable(error);
        lap("page");
        return {
          model: { ...base, problem: { kind: problem.kind, message: problem.message } },
          timings,
          currencies: [],
        };
      }
    },
  };
}
