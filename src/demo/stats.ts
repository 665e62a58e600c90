/** Requests one service received: the total and per `METHOD path-without-query`. */
export interface ServiceStats {
  total: number;
  byRoute: Record<string, number>;
}

/** Counts calls so tests and benchmarks can assert how many upstream requests an operation made. */
export class CallCounter {
  private total = 0;
  private readonly byRoute = new Map<string, number>();

  /** Records one request to `route` (`GET /products/p1`). */
  count(route: string): void {
    this.total += 1;
    this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
  }

  /** A copy of the counts; later calls do not change it. */
  snapshot(): ServiceStats {
    return { total: this.total, byRoute: Object.fromEntries(this.byRoute) };
  }

  reset(): void {
    this.total = 0;
    this.byRoute.clear();
  }
}
