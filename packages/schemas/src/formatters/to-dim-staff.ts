import { DataError } from "../errors";
import type { Department, Staff } from "../source";
import type { DimStaff } from "../star";
import { listIds, newestByKey, sourceUpdatedAt } from "./values";

/**
 * `dim_staff` from `staff` joined to `department` (newest version of each): a department's name
 * and location reach every member of staff in it, so pass all the departments the staff rows
 * refer to, not only the changed ones. Department names are data and kept as they are (the real
 * `Leds` typo included). A member of staff whose department is missing is a data error naming
 * the staff and department ids; nothing is dropped or NULLed. `source_updated_at` is the newer of
 * the staff row's and the department's `last_updated`.
 */
export function toDimStaff(staff: Iterable<Staff>, departments: Iterable<Department>): DimStaff[] {
  const byId = new Map(
    newestByKey(departments, (d) => d.department_id, { table: "department", key: "department_id" }).map(
      (d) => [d.department_id, d],
    ),
  );
  const members = newestByKey(staff, (s) => s.staff_id, { table: "staff", key: "staff_id" });
  const missing = members.filter((s) => !byId.has(s.department_id));
  if (missing.length > 0) {
    throw new DataError(
      `dim_staff: department not found for ${listIds(
        missing.map((s) => `staff_id ${s.staff_id} (department_id ${s.department_id})`),
      )}`,
      { code: "MISSING_REFERENCE" },
    );
  }
  return members.map((s) => {
    const department = byId.get(s.department_id);
    return {
      staff_id: s.staff_id,
      first_name: s.first_name,
      last_name: s.last_name,
      department_name: department?.department_name ?? "",
      location: department?.location ?? null,
      email_address: s.email_address,
      source_updated_at: sourceUpdatedAt(
        () => `staff ${s.staff_id}`,
        s.last_updated,
        department?.last_updated ?? s.last_updated,
      ),
    };
  });
}
