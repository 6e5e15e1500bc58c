import { describe, expect, it } from "vitest";
import { DataError } from "../errors";
import { makeDepartment, makeStaff, thrownBy } from "../testing";
import { toDimStaff } from "./to-dim-staff";

const departments = [
  makeDepartment({ department_id: 1, department_name: "Sales", location: "Manchester" }),
  makeDepartment({ department_id: 4, department_name: "Dispatch", location: "Leds" }),
  makeDepartment({ department_id: 9, department_name: "Remote", location: null }),
];

describe("toDimStaff", () => {
  it.each([
    [1, "Sales", "Manchester"],
    [4, "Dispatch", "Leds"],
    [9, "Remote", null],
  ])("joins department %i: %s in %s (kept as data)", (departmentId, name, location) => {
    const [row] = toDimStaff([makeStaff({ department_id: departmentId })], departments);

    expect(row).toEqual({
      staff_id: 1,
      first_name: "Jeremie",
      last_name: "Franey",
      department_name: name,
      location,
      email_address: "jeremie.franey@terrifictotes.com",
      source_updated_at: "2022-11-03 14:20:49.962000",
    });
  });

  it("carries a changed department to every member of staff in it", () => {
    const staff = [makeStaff({ staff_id: 1 }), makeStaff({ staff_id: 2 })];
    const moved = [
      makeDepartment(),
      makeDepartment({ location: "Leeds", last_updated: "2024-06-03 10:00:00.000000" }),
    ];

    const rows = toDimStaff(staff, moved);

    expect(rows.map((r) => [r.staff_id, r.location])).toEqual([
      [1, "Leeds"],
      [2, "Leeds"],
    ]);
  });

  it("dates a row by the newer of the staff row and its department", () => {
    const staff = makeStaff({ last_updated: "2023-01-01 00:00:00.000000" });
    const older = makeDepartment({ last_updated: "2022-06-01 00:00:00.000000" });
    const newer = makeDepartment({ last_updated: "2024-06-03 10:00:00.5" });

    expect(toDimStaff([staff], [older])[0]?.source_updated_at).toBe("2023-01-01 00:00:00.000000");
    expect(toDimStaff([staff], [newer])[0]?.source_updated_at).toBe("2024-06-03 10:00:00.500000");
  });

  it("keeps the newest version of a member of staff", () => {
    const staff = [
      makeStaff({ last_name: "Old" }),
      makeStaff({ last_name: "New", last_updated: "2022-11-03 14:20:49.962001" }),
    ];

    expect(toDimStaff(staff, departments).map((r) => r.last_name)).toEqual(["New"]);
  });

  it("names the staff and department ids when departments are missing", () => {
    const staff = [
      makeStaff({ staff_id: 3, department_id: 7 }),
      makeStaff({ staff_id: 5, department_id: 1 }),
      makeStaff({ staff_id: 8, department_id: 6 }),
    ];

    const error = thrownBy(() => toDimStaff(staff, departments));

    expect(error).toBeInstanceOf(DataError);
    expect(error).toMatchObject({
      code: "MISSING_REFERENCE",
      message:
        "dim_staff: department not found for staff_id 3 (department_id 7), staff_id 8 (department_id 6)",
    });
  });
});
