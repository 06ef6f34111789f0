/**
 * Money is integer minor units everywhere in the product; decimal strings appear only at the QuickBooks boundary
 * (qbo/mappers.ts) and in what people read.
 */

/** ISO 4217 minor-unit exponents that differ from 2. */
const EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export function currencyExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

/** Minor units to an exact decimal string ("1050", "KES" → "10.50"). No floating point involved. */
export function minorToDecimalString(minor: number | bigint, currency: string): string {
  const exp = currencyExponent(currency);
  const big = BigInt(minor);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  if (exp === 0) return `${neg ? '-' : ''}${abs}`;
  const s = abs.toString().padStart(exp + 1, '0');
  return `${neg ? '-' : ''}${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** A decimal amount as QuickBooks returns it (number or string) to minor units, rounding half away from zero. */
export function decimalToMinor(value: number | string, currency: string): number {
  const exp = currencyExponent(currency);
  const str = typeof value === 'number' ? value.toFixed(exp + 2) : value.trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(str);
  if (!m) throw new Error(`not a decimal amount: ${String(value)}`);
  const [, sign, whole, frac = ''] = m;
  const padded = (frac + '0'.repeat(exp + 1)).slice(0, exp + 1);
  let minor = BigInt(whole + padded.slice(0, exp));
  if (Number(padded[exp]) >= 5) minor += 1n;
  return Number(sign === '-' ? -minor : minor);
}

/** "KES 480,000.00" — for people. */
export function formatMoney(minor: number | bigint, currency: string): string {
  const [whole, frac] = minorToDecimalString(minor, currency).split('.');
  const neg = whole!.startsWith('-');
  const digits = neg ? whole!.slice(1) : whole!;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${neg ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`;
}
