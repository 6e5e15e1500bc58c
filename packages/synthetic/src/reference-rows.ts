import { dayText, MS_PER_DAY, timestampText } from "./clock";
import type { SeedPlan } from "./plan";
import { rowRandom } from "./random";
import {
  CITIES,
  COUNTRIES,
  CURRENCY_CODES,
  DEPARTMENTS,
  DESIGN_NAMES,
  DISTRICTS,
  FILE_LOCATIONS,
  FIRST_NAMES,
  LAST_NAMES,
  LINE_2,
  MANAGERS,
  PAYMENT_TYPES,
  STREETS,
} from "./reference-data";
import { type Row, STREAM } from "./seed-table";
import { type DesignSchedule, updatedMs } from "./timeline";

const LOWER = "abcdefghijklmnopqrstuvwxyz";

export const PRISMA_COLUMNS = [
  "id",
  "checksum",
  "finished_at",
  "migration_name",
  "logs",
  "rolled_back_at",
  "started_at",
  "applied_steps_count",
] as const;

/**
 * The rows that orders refer to: addresses, counterparties, currencies, departments, designs,
 * staff, payment types, and the two Prisma migrations of the real database.
 */
export function createReferenceRows(plan: SeedPlan, designs: DesignSchedule) {
  const { seed, sizes, startMs, endMs } = plan;
  const refCreated = (table: number, id: number) => timestampText(startMs + table * 1000 + id * 7);

  function legalAddresses(): number[] {
    const rng = rowRandom(seed, STREAM.counterparty, 0);
    const ids = Array.from({ length: sizes.address }, (_, i) => i + 1);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [ids[i], ids[j]] = [ids[j] ?? 0, ids[i] ?? 0];
    }
    const distinct = ids.slice(0, sizes.legalAddresses);
    // Each distinct address once, then random ones of them.
    return Array.from({ length: sizes.counterparty }, (_, i) => distinct[i] ?? rng.pick(distinct));
  }

  function* addresses(): Generator<Row> {
    for (let id = 1; id <= sizes.address; id++) {
      const rng = rowRandom(seed, STREAM.address, id);
      const created = refCreated(1, id);
      yield [
        id,
        `${rng.int(1, 9999)} ${rng.pick(STREETS)}`,
        // NULL in 20 of the 30 real rows.
        rng.chance(2 / 3) ? null : `${rng.pick(LINE_2)} ${rng.int(1, 99)}`,
        rng.chance(0.5) ? null : rng.pick(DISTRICTS),
        rng.pick(CITIES),
        rng.chance(0.5) ? String(rng.int(10000, 99999)) : `${rng.int(10000, 99999)}-${rng.int(1000, 9999)}`,
        rng.pick(COUNTRIES),
        `${rng.int(1000, 9999)} ${rng.int(100000, 999999)}`,
        created,
        created,
      ];
    }
  }

  function* counterparties(): Generator<Row> {
    for (const [i, legalAddress] of legalAddresses().entries()) {
      const id = i + 1;
      const rng = rowRandom(seed, STREAM.counterparty, id);
      const a = rng.pick(LAST_NAMES);
      const b = rng.pick(LAST_NAMES);
      const c = rng.pick(LAST_NAMES);
      const name = rng.pick([
        `${a} and Sons`,
        `${a} Inc`,
        `${a} LLC`,
        `${a} - ${b}`,
        `${a}, ${b} and ${c}`,
        `${a} Group`,
      ]);
      const contact = () => (rng.chance(0.1) ? null : `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`);
      const created = refCreated(2, id);
      yield [id, name, legalAddress, contact(), contact(), created, created];
    }
  }

  function* currencies(): Generator<Row> {
    for (const [i, code] of CURRENCY_CODES.entries()) {
      const id = i + 1;
      const created = refCreated(3, id);
      yield [id, code, created, created];
    }
  }

  function* departments(): Generator<Row> {
    for (const [i, department] of DEPARTMENTS.entries()) {
      const id = i + 1;
      const rng = rowRandom(seed, STREAM.department, id);
      const created = refCreated(4, id);
      yield [id, department.name, department.location, rng.pick(MANAGERS), created, created];
    }
  }

  function* designRows(): Generator<Row> {
    for (let id = 1; id <= sizes.design; id++) {
      const rng = rowRandom(seed, STREAM.design, id);
      const createdMs = designs.createdMs(id);
      const updated = updatedMs(rng, createdMs, 0.05, endMs);
      const name = rng.pick(DESIGN_NAMES);
      let suffix = "";
      for (let i = 0; i < 4; i++) suffix += LOWER[rng.int(0, LOWER.length - 1)];
      const stamp = dayText(Math.floor(createdMs / MS_PER_DAY) - rng.int(0, 120)).replaceAll("-", "");
      yield [
        id,
        timestampText(createdMs),
        name,
        rng.pick(FILE_LOCATIONS),
        `${name.toLowerCase()}-${stamp}-${suffix}.json`,
        timestampText(updated),
      ];
    }
  }

  function* staff(): Generator<Row> {
    const used = new Set<string>();
    for (let id = 1; id <= sizes.staff; id++) {
      const rng = rowRandom(seed, STREAM.staff, id);
      let first: string;
      let last: string;
      do {
        first = rng.pick(FIRST_NAMES);
        last = rng.pick(LAST_NAMES);
      } while (used.has(`${first} ${last}`));
      used.add(`${first} ${last}`);
      // Every department has someone in it; the rest are spread at random.
      const department = id <= sizes.department ? id : rng.int(1, sizes.department);
      const created = refCreated(6, id);
      yield [
        id,
        first,
        last,
        department,
        `${first}.${last}@terrifictotes.com`.toLowerCase(),
        created,
        created,
      ];
    }
  }

  function* paymentTypes(): Generator<Row> {
    for (const [i, name] of PAYMENT_TYPES.entries()) {
      const id = i + 1;
      const created = refCreated(9, id);
      yield [id, name, created, created];
    }
  }

  function* prismaMigrations(): Generator<Row> {
    const names = ["20221103142049_init", "20221103142050_add_payments"];
    for (const [i, name] of names.entries()) {
      const rng = rowRandom(seed, STREAM.prisma, i + 1);
      const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join("");
      const at = `${timestampText(startMs - 3_600_000 + i * 1000)}+00`;
      yield [`${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`, hex(64), at, name, null, null, at, 1];
    }
  }

  return {
    addresses,
    counterparties,
    currencies,
    departments,
    designs: designRows,
    staff,
    paymentTypes,
    prismaMigrations,
  };
}
