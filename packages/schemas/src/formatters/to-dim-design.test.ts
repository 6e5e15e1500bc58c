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

  it("keeps last_updated only as source_updated_at, canonical", () => {
    const [row] = toDimDesign([makeDesign()]);

    expect(row).toEqual({
      design_id: 1,
      design_name: "Wooden",
      file_location: "/usr",
      file_name: "wooden-20220717-npgz.json",
      source_updated_at: "2022-11-03 14:20:49.962000",
    });
    expect(toDimDesign([makeDesign({ last_updated: "2023-01-02T08:00:00" })])[0]?.source_updated_at).toBe(
      "2023-01-02 08:00:00.000000",
    );
  });
});
