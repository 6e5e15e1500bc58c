import type { Design } from "../source";
import type { DimDesign } from "../star";
import { newestByKey, sourceUpdatedAt } from "./values";

/** `dim_design` from `design` rows: the newest version of each design. */
export function toDimDesign(designs: Iterable<Design>): DimDesign[] {
  return newestByKey(designs, (d) => d.design_id, { table: "design", key: "design_id" }).map((d) => ({
    design_id: d.design_id,
    design_name: d.design_name,
    file_location: d.file_location,
    file_name: d.file_name,
    source_updated_at: sourceUpdatedAt(() => `design ${d.design_id}`, d.last_updated),
  }));
}
