export { applyChanges, type ChangeOptions, type ChangeSummary, NotSeededError } from "./apply-changes";
export { createPlan, MAX_SCALE, MIN_SCALE, type SeedPlan } from "./plan";
export {
  NotEmptyError,
  type SeedOptions,
  type SeedProgress,
  type SeedResult,
  seedDatabase,
} from "./seed-database";
