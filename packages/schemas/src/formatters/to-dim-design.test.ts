import { describe, expect, it } from "vitest";
import { makeDesign } from "../testing";
import { toDimDesign } from "./to-dim-design";

describe("toDimDesign", () => {
  it.each([
    [[makeDesign()], [[1, "Wooden"]]],
    [
      [
        makeDesign({ design_name: "Old", last_updated: "2023-01-01 08:00:00.000000" }),
        makeDesign({ design_name: "New", last_updated: "2023-01-02T08:00:00" }),
      ],
      [[1, "New"]],
    ],
    [
      [makeDesign({ design_id: 2 }), makeDesign({ design_id: 1, design_name: "Steel" })],
      [
        [2, "Wooden"],
        [1, "Steel"],
      ],
    ],
  ])("maps %#", (designs, expected) => {
    const rows = toDimDesign(designs);

    expect(rows.map((r) => [r.design_id, r.design_name])).toEqual(expected);
  });

  it("drops the timestamps", () => {
    const [row] = toDimDesign([makeDesign()]);

    expect(row).toEqual({
      design_id: 1,
      design_name: "Wooden",
      file_location: "/usr",
      file_name: "wooden-20220717-npgz.json",
    });
  });
});
