import { describe, expect, it } from 'vitest';
import { classifyQboResponse } from '../../qbo/classify.ts';
import type { QboClass } from '../../qbo/classify.ts';
import { ownerForFailureClass } from '../../domain/vocabulary.ts';
import { authenticationFailed, authorizationFailed } from '../../simulator/errors.ts';

const fault = (code: string, message = 'msg', detail = 'detail', element = '') => ({
  Fault: { Error: [{ Message: message, Detail: detail, code, element }], type: 'ValidationFault' },
  time: '2017-09-29T09:17:31.892-07:00',
});

/** The gateway's lower-case 401/403 envelopes come from the simulator's builders; the gateway stamps them in epoch ms. */
const GATEWAY_TIME = 1633520295688;

const xmlFault = (code: string, type: string, message: string, detail: string) =>
  `<IntuitResponse time="2016-12-07T15:27:09.527-08:00" xmlns="http://schema.intuit.com/finance/v3">` +
  `<Fault type="${type}"><Error code="${code}"><Message>${message}</Message><Detail>${detail}</Detail></Error></Fault>` +
  `</IntuitResponse>`;

const THROTTLE_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="2016-12-07T15:27:09.527-08:00" xmlns="http://schema.intuit.com/finance/v3">
  <Fault type="SERVICE">
    <Error code="3001">
      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
      <Detail>The request limit was reached.  Try again later</Detail>
    </Error>
  </Fault>
</IntuitResponse>`;

/** Every row of reference §3.6 that carries a code, with the class we chose for it. */
const CODE_TABLE: Array<{ status: number; code: string; body: object | string; expected: QboClass }> = [
  { status: 401, code: '3200', body: authenticationFailed('Token expired: AB3434', GATEWAY_TIME), expected: 'authorization' },
  {
    status: 401,
    code: '100',
    body: xmlFault('100', 'AuthenticationFault', 'General Authentication Error', 'AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401'),
    expected: 'authorization',
  },
  { status: 401, code: '120', body: { Fault: { Error: [{ Message: 'Authorization Failure', Detail: 'AuthorizationFailure: --11014-You do not have access to use QuickBooks Online Plus.', code: '120' }], type: 'AuthorizationFault' } }, expected: 'authorization' },
  { status: 401, code: '130', body: xmlFault('130', 'AuthenticationFault', 'Accessing Wrong Cluster', 'WrongClusterError: -11017-You have accessed the wrong server.'), expected: 'authorization' },
  { status: 403, code: '3100', body: authorizationFailed(null, GATEWAY_TIME), expected: 'authorization' },
  { status: 429, code: '3001', body: THROTTLE_XML, expected: 'throttled' },
  { status: 400, code: '5010', body: fault('5010', 'Stale Object Error', 'Stale Object Error : You and API API were working on this at the same time.'), expected: 'transient' },
  { status: 400, code: '6000', body: fault('6000', 'A business validation error has occurred while processing your request', 'Business Validation Error: You must set a transaction amount.'), expected: 'provider_rejection' },
  { status: 400, code: '6140', body: fault('6140', 'Duplicate Document Number Error', 'DocNumber=1234 is assigned to TxnType=Credit Memo with TxnId=111'), expected: 'duplicate_risk' },
  { status: 400, code: '6240', body: fault('6240', 'Duplicate Name Exists Error', 'The name supplied already exists. : Another customer is already using this name.'), expected: 'duplicate_risk' },
  { status: 400, code: '610', body: fault('610', 'Object Not Found', "Object Not Found : Something you're trying to use has been made inactive."), expected: 'mapping' },
  { status: 400, code: '620', body: fault('620', 'TxnID Cannot Be Linked', 'Cannot validate linked transactions'), expected: 'source_data' },
  { status: 400, code: '2500', body: fault('2500', 'Invalid Reference Id', 'Invalid Reference Id : Line.SalesItemLineDetail.ItemRef', 'Line.SalesItemLineDetail.ItemRef'), expected: 'mapping' },
  { status: 400, code: '2020', body: fault('2020', 'Required param missing, need to supply the required value for the API', 'Required parameter Line is missing in the request'), expected: 'source_data' },
  { status: 400, code: '2050', body: fault('2050', 'String length specified does not match the supported length', 'Min:0 Max:1,000 supported. Supplied length:1,001'), expected: 'source_data' },
  { status: 400, code: '2170', body: fault('2170', 'Invalid Enumeration', 'Invalid Enumeration: HAS_BEEN_BILLED'), expected: 'provider_rejection' },
  { status: 400, code: '2210', body: fault('2210', 'Email Address does not conform to the syntax rules of RFC 822'), expected: 'source_data' },
  { status: 400, code: '4000', body: fault('4000', 'Invalid query'), expected: 'provider_rejection' },
  { status: 400, code: '4001', body: fault('4001', 'Invalid query', 'QueryValidationError: value 0 is too small. Min allowed value is 1'), expected: 'provider_rejection' },
  { status: 400, code: '6070', body: fault('6070', 'Amount calculation incorrect in the request.', 'Amount is not equal to UnitPrice * Qty. Supplied value:58', 'Line.Amount'), expected: 'source_data' },
  { status: 400, code: '6190', body: fault('6190', 'Invalid Company Status', 'Subscription period has ended or been canceled'), expected: 'provider_rejection' },
  { status: 400, code: '6210', body: fault('6210', 'Account Period Closed', 'Account period closed, cannot update through API'), expected: 'provider_rejection' },
  { status: 400, code: '6430', body: fault('6430', 'Invalid account type', "You can't associate a product or service with accounts of certain types"), expected: 'mapping' },
  { status: 400, code: '6540', body: fault('6540', 'Deposited Transaction cannot be changed', 'This transaction has been deposited.'), expected: 'provider_rejection' },
  { status: 400, code: '5020', body: fault('5020', 'You do not have permission to access this feature.', 'Purchase Order creation is available only in QBO Plus'), expected: 'provider_rejection' },
  { status: 400, code: '500', body: fault('500', 'Unsupported Operation', 'Operation Could not find resource for relative : /v3/company/customer is not supported.'), expected: 'provider_rejection' },
  { status: 400, code: '10100', body: fault('10100', 'Result Set Big Error', 'Report too large, please customize'), expected: 'provider_rejection' },
  { status: 400, code: '10000', body: fault('10000', 'An application error has occurred while processing your request', 'System Failure Error: boom'), expected: 'transient' },
  {
    status: 500,
    code: '10000',
    body: `<IntuitResponse><Fault type="SystemFault"><Error code="10000"><Message>An application error has occurred while processing your request</Message><Detail>System Failure Error: Could not find resource for relative : some more info here</Detail></Error></Fault></IntuitResponse>`,
    expected: 'transient',
  },
];

describe('classifyQboResponse: the reference error-code table', () => {
  it.each(CODE_TABLE)('classifies HTTP $status code $code as $expected', ({ status, code, body, expected }) => {
    const c = classifyQboResponse({ status, body });
    expect(c.class).toBe(expected);
    expect(c.code).toBe(code);
    expect(c.owner).toBe(expected === 'accepted' ? 'system' : ownerForFailureClass(expected));
    expect(c.retryable).toBe(['throttled', 'transient', 'outcome_uncertain'].includes(expected));
  });
});

describe('classifyQboResponse: body shapes', () => {
  it('reads the standard Fault with its message, detail and element', () => {
    const c = classifyQboResponse({
      status: 400,
      body: fault('2500', 'Invalid Reference Id', 'Invalid Reference Id : Line.SalesItemLineDetail.ItemRef', 'Line.SalesItemLineDetail.ItemRef'),
    });
    expect(c).toMatchObject({
      class: 'mapping',
      owner: 'admin',
      retryable: false,
      code: '2500',
      message: 'Invalid Reference Id',
      detail: 'Invalid Reference Id : Line.SalesItemLineDetail.ItemRef',
      element: 'Line.SalesItemLineDetail.ItemRef',
    });
  });

  it('parses a JSON body that arrives as a string', () => {
    const c = classifyQboResponse({ status: 400, body: JSON.stringify(fault('6240', 'Duplicate Name Exists Error')) });
    expect(c.class).toBe('duplicate_risk');
    expect(c.owner).toBe('finance');
    expect(c.message).toBe('Duplicate Name Exists Error');
  });

  it('reads the lower-case gateway fault of a 401 and asks for a token refresh', () => {
    const c = classifyQboResponse({
      status: 401,
      body: JSON.stringify(authenticationFailed('Malformed bearer token: too short or too long', GATEWAY_TIME)),
    });
    expect(c).toMatchObject({
      class: 'authorization',
      owner: 'admin',
      retryable: false,
      code: '3200',
      detail: 'Malformed bearer token: too short or too long',
      hint: 'refresh_token',
    });
  });

  it('reads the lower-case gateway fault of a 403 missing scope without suggesting a refresh', () => {
    const body = authorizationFailed('The access token does not have sufficient scope', GATEWAY_TIME);
    const c = classifyQboResponse({ status: 403, body });
    expect(c).toMatchObject({ class: 'authorization', code: '3100', detail: 'The access token does not have sufficient scope' });
    expect(c.hint).toBeUndefined();
  });

  it('reads the XML throttle fault even though JSON was asked for', () => {
    const c = classifyQboResponse({ status: 429, body: THROTTLE_XML, headers: { 'Content-Type': 'application/xml' } });
    expect(c).toMatchObject({
      class: 'throttled',
      owner: 'system',
      retryable: true,
      code: '3001',
      message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
      detail: 'The request limit was reached.  Try again later',
    });
  });

  it('treats the pre-2016 throttle fault sent with HTTP 403 as throttling, not authorization', () => {
    const c = classifyQboResponse({ status: 403, body: THROTTLE_XML.replace(/429/g, '403') });
    expect(c.class).toBe('throttled');
  });

  it('treats a 429 with no body at all as throttling', () => {
    expect(classifyQboResponse({ status: 429, body: null })).toMatchObject({ class: 'throttled', retryable: true });
  });

  it('recognises throttling from the errorCode in the message when the code attribute is missing', () => {
    const body = '<IntuitResponse><Fault type="SERVICE"><Error><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message></Error></Fault></IntuitResponse>';
    expect(classifyQboResponse({ status: 200, body })).toMatchObject({ class: 'throttled', code: '3001' });
  });

  it('reads an XML Fault with several errors, keeps them all, and decodes entities', () => {
    const body =
      '<IntuitResponse><Fault type="ValidationFault">' +
      '<Error code="2050" element="firstname"><Message>Length exceeds limit</Message><Detail>Length of the field exceeds 21 chars &amp; more</Detail></Error>' +
      '<Error code="2080" element="postalcode"><Message>Illegal number format</Message><Detail>bad</Detail></Error>' +
      '</Fault></IntuitResponse>';
    const c = classifyQboResponse({ status: 400, body });
    expect(c).toMatchObject({ class: 'source_data', code: '2050', element: 'firstname', detail: 'Length of the field exceeds 21 chars & more' });
    expect(c.errors).toEqual([
      { code: '2050', element: 'firstname', message: 'Length exceeds limit', detail: 'Length of the field exceeds 21 chars & more' },
      { code: '2080', element: 'postalcode', message: 'Illegal number format', detail: 'bad' },
    ]);
  });

  it('lets an error that retrying cannot fix decide over a retryable one in the same fault', () => {
    const body = {
      Fault: {
        Error: [
          { Message: 'Stale Object Error', code: '5010' },
          { Message: 'Duplicate Document Number Error', code: '6140' },
        ],
        type: 'ValidationFault',
      },
    };
    const c = classifyQboResponse({ status: 400, body });
    expect(c).toMatchObject({ class: 'duplicate_risk', retryable: false, code: '6140' });
    expect(c.errors).toHaveLength(2);
  });

  it('accepts a Fault whose Error is a single object rather than an array', () => {
    const body = { Fault: { Error: { Message: 'Duplicate Name Exists Error', code: '6240' }, type: 'ValidationFault' } };
    expect(classifyQboResponse({ status: 400, body }).class).toBe('duplicate_risk');
  });

  it('reads zero-padded codes as the plain code', () => {
    const body = { Fault: { Error: [{ Message: 'm', code: '003200' }], type: 'AUTHENTICATION' } };
    expect(classifyQboResponse({ status: 401, body })).toMatchObject({ class: 'authorization', code: '3200' });
  });

  it('treats "Account Period Closed" as a closed period even when QBO labels it 5010', () => {
    const body = fault('5010', 'Account Period Closed', 'The account period has closed. {1}');
    expect(classifyQboResponse({ status: 400, body })).toMatchObject({ class: 'provider_rejection', retryable: false });
  });

  it('asks for a SyncToken re-read on a stale object error', () => {
    const c = classifyQboResponse({ status: 400, body: fault('5010', 'Stale Object Error') });
    expect(c).toMatchObject({ class: 'transient', retryable: true, owner: 'system', hint: 'reread_sync_token' });
  });

  it('treats invalid_grant from the token endpoint as an authorization problem for an admin', () => {
    const c = classifyQboResponse({ status: 400, body: '{"error":"invalid_grant"}' });
    expect(c).toMatchObject({ class: 'authorization', owner: 'admin', retryable: false, code: 'invalid_grant' });
  });
});

describe('classifyQboResponse: HTTP 200', () => {
  it('accepts a 2xx without any fault, owned by the system', () => {
    const body = { Vendor: { Id: '56', SyncToken: '0', DisplayName: 'Acme' }, time: '2026-01-01T00:00:00Z' };
    expect(classifyQboResponse({ status: 200, body })).toEqual({ class: 'accepted', retryable: false, owner: 'system' });
  });

  it('accepts a 2xx with an empty body', () => {
    expect(classifyQboResponse({ status: 204, body: '' }).class).toBe('accepted');
  });

  it('treats a Fault inside an HTTP 200 as an error', () => {
    const c = classifyQboResponse({ status: 200, body: fault('6140', 'Duplicate Document Number Error') });
    expect(c).toMatchObject({ class: 'duplicate_risk', owner: 'finance', code: '6140' });
  });

  it('treats a faulted batch item inside an HTTP 200 as an error', () => {
    const body = {
      BatchItemResponse: [
        { bId: 'b1', Vendor: { Id: '1', DisplayName: 'Ok' } },
        { bId: 'b2', Fault: { Error: [{ Message: 'Length exceeds limit', code: '2050', element: 'firstname' }], type: 'ValidationFault' } },
      ],
      time: '2026-01-01T00:00:00Z',
    };
    expect(classifyQboResponse({ status: 200, body })).toMatchObject({ class: 'source_data', code: '2050', element: 'firstname' });
  });

  it('treats an XML Fault inside an HTTP 200 as an error', () => {
    const body = xmlFault('6240', 'ValidationFault', 'Duplicate Name Exists Error', 'Another customer is already using this name');
    expect(classifyQboResponse({ status: 200, body }).class).toBe('duplicate_risk');
  });

  it('never accepts a Fault with an unknown code or no code, even with HTTP 200', () => {
    expect(classifyQboResponse({ status: 200, body: fault('98765') }).class).toBe('provider_rejection');
    expect(classifyQboResponse({ status: 200, body: { Fault: { Error: [], type: 'ValidationFault' } } }).class).toBe('provider_rejection');
  });
});

describe('classifyQboResponse: intuit_tid', () => {
  it('takes intuitTid from the intuit_tid header whatever its case', () => {
    const tid = '1-628f0be4-19ed5ea63980105102b16b1e';
    expect(classifyQboResponse({ status: 200, body: null, headers: { intuit_tid: tid } }).intuitTid).toBe(tid);
    expect(classifyQboResponse({ status: 400, body: fault('6000'), headers: { 'Intuit_Tid': tid } }).intuitTid).toBe(tid);
    expect(classifyQboResponse({ status: 429, body: THROTTLE_XML, headers: { INTUIT_TID: tid } }).intuitTid).toBe(tid);
  });

  it('leaves intuitTid out when the header is absent', () => {
    expect(classifyQboResponse({ status: 400, body: fault('6000'), headers: { 'content-type': 'application/json' } })).not.toHaveProperty('intuitTid');
  });
});

describe('classifyQboResponse: transport failures and bare 5xx', () => {
  it('calls a timeout after the request was sent outcome uncertain', () => {
    const c = classifyQboResponse({ status: 0, body: null, transportError: 'ETIMEDOUT', requestSent: true });
    expect(c).toMatchObject({ class: 'outcome_uncertain', retryable: true, owner: 'system', message: 'ETIMEDOUT' });
  });

  it('assumes a request was sent unless told otherwise, so a reset is outcome uncertain', () => {
    expect(classifyQboResponse({ status: 0, body: null, transportError: 'ECONNRESET' }).class).toBe('outcome_uncertain');
  });

  it('calls a transport failure before the request was sent transient', () => {
    const c = classifyQboResponse({ status: 0, body: null, transportError: 'connect ECONNREFUSED 127.0.0.1:4010', requestSent: false });
    expect(c).toMatchObject({ class: 'transient', retryable: true, owner: 'system' });
  });

  it('knows a refused connection or failed DNS lookup never sent the request', () => {
    expect(classifyQboResponse({ status: 0, body: null, transportError: 'connect ECONNREFUSED 127.0.0.1:4010' }).class).toBe('transient');
    expect(classifyQboResponse({ status: 0, body: null, transportError: 'getaddrinfo ENOTFOUND quickbooks.api.intuit.com' }).class).toBe('transient');
  });

  it.each([502, 503, 504])('calls a bare HTTP %i after the request was sent outcome uncertain', (status) => {
    expect(classifyQboResponse({ status, body: '<html>Bad Gateway</html>' })).toMatchObject({ class: 'outcome_uncertain', retryable: true, owner: 'system' });
  });

  it('calls a bare HTTP 500 outcome uncertain because nothing says the write did not happen', () => {
    expect(classifyQboResponse({ status: 500, body: 'Internal Server Error' }).class).toBe('outcome_uncertain');
  });

  it('calls an HTTP 500 with a QBO fault transient', () => {
    expect(classifyQboResponse({ status: 500, body: fault('10000') }).class).toBe('transient');
    expect(classifyQboResponse({ status: 500, body: fault('12345') }).class).toBe('transient');
  });

  it('calls an HTTP 503 carrying a SystemFault 10000 transient', () => {
    const body = xmlFault('10000', 'SystemFault', 'An application error has occurred', 'System Failure Error');
    expect(classifyQboResponse({ status: 503, body, requestSent: true }).class).toBe('transient');
  });
});

describe('classifyQboResponse: unknown codes and bare statuses', () => {
  it.each([
    { status: 400, expected: 'provider_rejection' },
    { status: 404, expected: 'provider_rejection' },
    { status: 401, expected: 'authorization' },
    { status: 403, expected: 'authorization' },
    { status: 429, expected: 'throttled' },
    { status: 500, expected: 'transient' },
    { status: 504, expected: 'outcome_uncertain' },
  ])('falls back on HTTP $status for an unknown code: $expected', ({ status, expected }) => {
    const c = classifyQboResponse({ status, body: fault('99999', 'Something new') });
    expect(c.class).toBe(expected);
    expect(c.code).toBe('99999');
    expect(c.class).not.toBe('accepted');
  });

  it('treats a bare 401 as authorization and asks for a token refresh', () => {
    expect(classifyQboResponse({ status: 401, body: null })).toMatchObject({ class: 'authorization', hint: 'refresh_token' });
  });

  it('treats a bare 400 or 404 as a provider rejection and keeps the text for people', () => {
    const c = classifyQboResponse({ status: 404, body: 'Not Found' });
    expect(c).toMatchObject({ class: 'provider_rejection', owner: 'finance', message: 'HTTP 404: Not Found' });
  });

  it('never returns accepted for a non-2xx status', () => {
    for (const status of [100, 301, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504]) {
      expect(classifyQboResponse({ status, body: null }).class).not.toBe('accepted');
    }
  });
});
