/** Durations as operators write them: `30s`, `15m`, `24h`, `7d` (the token CLI and JWT_MAX_TTL). */
const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(raw: unknown): number | undefined {
  const m = typeof raw === 'string' ? /^([1-9]\d{0,6})([smhd])$/.exec(raw) : null;
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}
