import type { CloudEndpoints } from "../services/types";

declare module "vitest" {
  export interface ProvidedContext {
    cloud: CloudEndpoints;
  }
}
