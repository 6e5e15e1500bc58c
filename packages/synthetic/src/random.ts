/**
 * Seeded, counter-based randomness. Every row draws from its own generator, seeded by a hash of
 * (seed, table, id), so any row can be computed on its own: each table streams independently,
 * a payment can recompute its order, and the output depends only on (seed, scale).
 */

function mix(h: number, value: number): number {
  let x = Math.imul(h ^ value, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit hash of three unsigned 32-bit integers (murmur3's finaliser over a running hash). */
export function hash3(a: number, b: number, c: number): number {
  return mix(mix(mix(0x9e3779b9, a >>> 0), b >>> 0), c >>> 0);
}

/** A 32-bit hash of two unsigned 32-bit integers. */
export function hash2(a: number, b: number): number {
  return mix(mix(0x9e3779b9, a >>> 0), b >>> 0);
}

/**
 * mulberry32: a small, fast generator with a 32-bit state, returning floats in [0, 1). A class,
 * not a closure: one is made per row, and methods on the prototype cost nothing per instance.
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
}

/** The generator of one row: the same (seed, stream, id) always gives the same values. */
export function rowRandom(seed: number, stream: number, id: number): Random {
  return new Random(hash3(seed, stream, id));
}
