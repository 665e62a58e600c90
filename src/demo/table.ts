/**
 * In-memory indexes over the demo data. Built once when a service starts so a
 * request costs a few Map lookups, never a scan of the data set.
 */

/** Rows in their stored order with O(1) lookup by key. */
export class Table<T> {
  private readonly positions = new Map<string, number>();

  /** `rows` is kept by reference: `add` appends to the caller's array. */
  constructor(
    readonly rows: T[],
    private readonly keyOf: (row: T) => string,
  ) {
    rows.forEach((row, i) => {
      if (!this.positions.has(keyOf(row))) this.positions.set(keyOf(row), i);
    });
  }

  /** The row with this key, or `undefined`. */
  get(key: string): T | undefined {
    const position = this.positions.get(key);
    return position === undefined ? undefined : this.rows[position];
  }

  /**
   * The rows for these keys as a batch read answers: in stored order (not the
   * order asked, so callers cannot come to rely on it), unknown keys omitted,
   * each row once.
   */
  pick(keys: readonly string[]): T[] {
    const found: number[] = [];
    for (const key of new Set(keys)) {
      const position = this.positions.get(key);
      if (position !== undefined) found.push(position);
    }
    return found.sort((a, b) => a - b).map((position) => this.rows[position]);
  }

  /** Appends a row to the stored data and indexes it. */
  add(row: T): void {
    this.positions.set(this.keyOf(row), this.rows.length);
    this.rows.push(row);
  }
}

/** Groups items by a key, keeping their relative order within each group. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
}

/** Natural order of ids: `p2` before `p10`; ids without a numeric tail compare as strings. */
export function compareIds(a: string, b: string): number {
  const ma = /^(.*?)(\d+)$/.exec(a);
  const mb = /^(.*?)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]) || compareText(a, b);
  return compareText(a, b);
}

/** Newest first by `createdAt` (ISO-8601 UTC compares as text), ties broken by higher id first. */
export function newestFirst<T extends { id: string; createdAt: string }>(a: T, b: T): number {
  return compareText(b.createdAt, a.createdAt) || compareIds(b.id, a.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
