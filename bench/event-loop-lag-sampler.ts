/**
 * The service's event-loop lag during a measurement, from its own gauge
 * `smartretail_event_loop_lag_seconds` (src/metrics/event-loop-lag.metrics.ts): each scrape
 * reports the lag since the previous one and resets it, so scraping once a second gives the lag
 * of every second of the measurement. The first scrape only clears what came before.
 */
const LAG_LINE = /^smartretail_event_loop_lag_seconds\{stat="(p99|max)"\} ([\d.e+-]+)$/gm;

export interface EventLoopLag {
  /** The worst second's 99th percentile, in ms. */
  p99Ms: number;
  /** The longest single delay seen, in ms. */
  maxMs: number;
  /** Seconds scraped. */
  samples: number;
}

/** Parses one scrape: the p99 and max of the interval it covers, in ms. */
export function parseLagScrape(text: string): { p99Ms: number; maxMs: number } | undefined {
  const seen: Record<string, number> = {};
  for (const [, stat, value] of text.matchAll(LAG_LINE)) seen[stat] = Number(value) * 1000;
  if (seen.p99 === undefined || seen.max === undefined) return undefined;
  return { p99Ms: seen.p99, maxMs: seen.max };
}

export async function sampleEventLoopLag(
  baseUrl: string,
): Promise<{ stop(): Promise<EventLoopLag> }> {
  const scrape = async () => {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    return parseLagScrape(await res.text());
  };
  await scrape();
  const samples: { p99Ms: number; maxMs: number }[] = [];
  // A scrape that fails (the loop too busy to answer in 5 s) shows up in the next one's figures.
  const take = () =>
    scrape().then(
      (s) => void (s && samples.push(s)),
      () => undefined,
    );
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = take();
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await take();
      const ms = (v: number) => Math.round(v * 10) / 10;
      return {
        p99Ms: ms(Math.max(0, ...samples.map((s) => s.p99Ms))),
        maxMs: ms(Math.max(0, ...samples.map((s) => s.maxMs))),
        samples: samples.length,
      };
    },
  };
}
