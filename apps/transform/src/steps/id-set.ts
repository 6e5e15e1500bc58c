/** Ids per page of the bitmap: 8 KiB each. */
const PAGE_BITS = 16;
const PAGE_IDS = 1 << PAGE_BITS;
/** Pages kept before the set falls back to a plain `Set` (16 MiB: 134 million dense ids). */
const MAX_PAGES = 2048;

/**
 * A set of the ids of a run's rows, to find an id that appears twice. Database ids are serial, so
 * they are dense: a bitmap in pages of 65,536 ids costs a bit per id and a byte write, where a
 * `Set` of a million numbers costs tens of megabytes and a hash insert each. Ids so scattered that
 * more than `MAX_PAGES` pages would be needed go to a plain `Set` instead, as do ids that are not
 * positive 32-bit integers.
 *
 * @example
 * const seen = new IdSet();
 * seen.add(7); // true
 * seen.add(7); // false: a repeat
 */
export class IdSet {
  #pages: Map<number, Uint8Array> | undefined = new Map();
  #set: Set<number> | undefined;
  #lastPage = -1;
  #lastBits: Uint8Array = new Uint8Array(0);

  /** Adds `id`; false when it was already in the set. */
  add(id: number): boolean {
    const pages = this.#pages;
    if (pages === undefined || !(id > 0 && id <= 0x7fffffff && Number.isInteger(id)))
      return this.#addToSet(id);
    const page = id >>> PAGE_BITS;
    let bits = this.#lastBits;
    if (page !== this.#lastPage) {
      const found = pages.get(page);
      if (found === undefined) {
        if (pages.size >= MAX_PAGES) {
          this.#toSet();
          return this.#addToSet(id);
        }
        bits = new Uint8Array(PAGE_IDS >>> 3);
        pages.set(page, bits);
      } else bits = found;
      this.#lastPage = page;
      this.#lastBits = bits;
    }
    const index = (id & (PAGE_IDS - 1)) >>> 3;
    const bit = 1 << (id & 7);
    const byte = bits[index] ?? 0;
    if ((byte & bit) !== 0) return false;
    bits[index] = byte | bit;
    return true;
  }

  #addToSet(id: number): boolean {
    this.#set ??= new Set();
    if (this.#set.has(id)) return false;
    this.#set.add(id);
    return true;
  }

  /** Moves every id of the pages into the plain set, for good. */
  #toSet(): void {
    const set = this.#set ?? new Set<number>();
    this.#set = set;
    for (const [page, bits] of this.#pages ?? []) {
      bits.forEach((byte, index) => {
        for (let bit = 0; bit < 8; bit++) {
          if ((byte & (1 << bit)) !== 0) set.add(page * PAGE_IDS + index * 8 + bit);
        }
      });
    }
    this.#pages = undefined;
    this.#lastPage = -1;
    this.#lastBits = new Uint8Array(0);
  }
}
