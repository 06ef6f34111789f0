/**
 * Printing: a header with the machine, aligned `figure : value` rows, and one JSON line at the end (`RESULT {…}`)
 * that docs/benchmarks.md can quote.
 */
import { cpus, loadavg, totalmem } from 'node:os';

export function machine(): string {
  const c = cpus();
  return `${c.length} cores (${c[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.versions.node}, ${process.platform}`;
}

export function header(title: string, command: string): void {
  console.log('');
  console.log(`== ${title} ==`);
  console.log(`date:    ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}`);
  console.log(`command: ${command}`);
  console.log(`load:    ${loadNow()} (1/5/15-min load average at start; other work on this machine skews every figure)`);
  console.log('');
}

export function loadNow(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

export function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function ms(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 10_000 ? `${fmt(n / 1000, 1)} s` : `${fmt(n, 0)} ms`;
}

/** Prints aligned rows; a row is [label, value] or [label, value, note]. */
export function table(rows: Array<[string, string] | [string, string, string]>): void {
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const r of rows) console.log(`  ${r[0].padEnd(w)}  ${r[1]}${r[2] ? `   (${r[2]})` : ''}`);
}

export function section(title: string): void {
  console.log('');
  console.log(`-- ${title}`);
}

/** The machine-readable line for the record. */
export function result(name: string, data: Record<string, unknown>): void {
  console.log('');
  console.log(`RESULT ${JSON.stringify({ bench: name, at: new Date().toISOString(), loadAtEnd: loadNow(), ...data })}`);
}

/** `--flag value` / `--flag=value` / `--flag` (boolean) parsing with defaults and types from `defaults`. */
export function parseArgs<T extends Record<string, string | number | boolean>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [rawKey, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const key = rawKey.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown option --${rawKey}; options: ${Object.keys(defaults).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(' ')}`);
    const kind = typeof defaults[key];
    if (kind === 'boolean') {
      out[key] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${rawKey} needs a value`);
    out[key] = kind === 'number' ? Number(value) : value;
    if (kind === 'number' && !Number.isFinite(out[key])) throw new Error(`--${rawKey} must be a number`);
  }
  return out as T;
}

/** The command line as typed, for the record. */
export function commandLine(script: string): string {
  const args = process.argv.slice(2);
  return `npm run ${script}${args.length ? ` -- ${args.join(' ')}` : ''}`;
}
