/**
 * XML bodies. QBO answers throttling in XML even when JSON was asked for (reference §3.3, python-quickbooks#43),
 * so a client must cope with it; this is the only XML the simulator produces.
 */

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

export function throttleXml(time: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<IntuitResponse time="${escapeXml(time)}" xmlns="http://schema.intuit.com/finance/v3">` +
    `<Fault type="SERVICE"><Error code="3001">` +
    `<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>` +
    `<Detail>The request limit was reached.  Try again later</Detail>` +
    `</Error></Fault></IntuitResponse>`
  );
}
