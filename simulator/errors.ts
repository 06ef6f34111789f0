/**
 * The three fault shapes QBO answers with (reference §3): the standard `Fault` (validation and system errors), the
 * gateway's lower-case `fault` (401/403), and XML for throttling (see xml.ts). Message and Detail texts follow the
 * observed responses quoted in the reference so that a client's classifier meets what it will meet in production.
 */

export interface QboError {
  Message: string;
  Detail: string;
  code: string;
  element?: string;
}

export type FaultType = 'ValidationFault' | 'SystemFault' | 'AuthenticationFault' | 'AuthorizationFault';

/** Thrown by the engine; the HTTP layer turns it into a `Fault` body (or a batch item's Fault). */
export class QboFault extends Error {
  constructor(
    readonly errors: QboError[],
    readonly status = 400,
    readonly type: FaultType = 'ValidationFault',
  ) {
    super(errors.map((e) => `${e.code} ${e.Message}: ${e.Detail}`).join('; '));
    this.name = 'QboFault';
  }

  body(): { Fault: { Error: QboError[]; type: FaultType } } {
    return { Fault: { Error: this.errors.map((e) => ({ ...e, element: e.element ?? '' })), type: this.type } };
  }
}

function fault(code: string, Message: string, Detail: string, element?: string): QboFault {
  return new QboFault([{ Message, Detail, code, ...(element !== undefined ? { element } : {}) }]);
}

/** Jackson could not bind the JSON: unknown property, wrong type, malformed JSON (2010). */
export function unsupportedProperty(detail: string): QboFault {
  return fault('2010', 'Request has invalid or unsupported property', `Property Name:${detail} specified is unsupported or invalid`);
}

export function requiredParam(element: string): QboFault {
  return fault(
    '2020',
    'Required param missing, need to supply the required value for the API',
    `Required parameter ${element} is missing in the request`,
    element,
  );
}

export function lengthError(element: string, max: number, supplied: number, min = 0): QboFault {
  return fault(
    '2050',
    'String length is either shorter or longer than supported by specification',
    `String length specified does not match the supported length. Min:${min} Max:${max.toLocaleString('en-US')} supported. Supplied length:${supplied.toLocaleString('en-US')}`,
    element,
  );
}

export function invalidReference(element: string, detail = element): QboFault {
  return fault('2500', 'Invalid Reference Id', `Invalid Reference Id : ${detail}`, element);
}

const INACTIVE_DETAIL =
  "Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.";

export function inactiveReference(element: string, code: '610' | '2500'): QboFault {
  return code === '610'
    ? fault('610', 'Object Not Found', `Object Not Found : ${INACTIVE_DETAIL}`, element)
    : fault('2500', 'Invalid Reference Id', `Invalid Reference Id : ${INACTIVE_DETAIL}`, element);
}

export function objectNotFound(entity: string, id: string, transaction: boolean): QboFault {
  return fault(
    '610',
    'Object Not Found',
    transaction
      ? 'Object Not Found : Another user has deleted this transaction.'
      : `Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.`,
    `${entity}.Id=${id}`,
  );
}

export function staleObject(): QboFault {
  return fault(
    '5010',
    'Stale Object Error',
    'Stale Object Error : You and API API were working on this at the same time. API API finished before you did, so your work was not saved.',
  );
}

export function duplicateName(kind: string): QboFault {
  return fault(
    '6240',
    'Duplicate Name Exists Error',
    `The name supplied already exists. : Another ${kind} is already using this name. Please use a different name.`,
  );
}

export function duplicateDocNumber(docNumber: string, txnType: string, txnId: string): QboFault {
  return fault(
    '6140',
    'Duplicate Document Number Error',
    `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${txnId}`,
  );
}

export function accountPeriodClosed(): QboFault {
  return fault(
    '6210',
    'Account Period Closed',
    'The account period has closed and the account books cannot be updated through the QBO Services API. Please use the QBO website to make these changes.',
  );
}

export function amountMismatch(supplied: number): QboFault {
  return fault(
    '6070',
    'Amount calculation incorrect in the request.',
    `Amount is not equal to UnitPrice * Qty. Supplied value:${supplied}`,
    'Line.Amount',
  );
}

export function businessValidation(detail: string, element?: string): QboFault {
  return fault('6000', 'A business validation error has occurred while processing your request', `Business Validation Error: ${detail}`, element);
}

export function invalidAccountType(element: string): QboFault {
  return fault(
    '6430',
    'Invalid account type',
    "You can't associate a product or service with accounts of certain types (such as Accounts Receivable and Accounts Payable). Choose another account.",
    element,
  );
}

export function cannotLink(detail: string, element = 'Line.LinkedTxn'): QboFault {
  return fault('620', 'TxnID Cannot Be Linked', `Cannot validate linked transactions: ${detail}`, element);
}

export function invalidQuery(detail: string): QboFault {
  return fault('4001', 'Invalid query', detail);
}

export function unsupportedOperation(detail: string): QboFault {
  return fault('500', 'Unsupported Operation', detail);
}

export function systemFault(detail: string, status = 500): QboFault {
  return new QboFault(
    [{ Message: 'An application error has occurred while processing your request', Detail: `System Failure Error: ${detail}`, code: '10000' }],
    status,
    'SystemFault',
  );
}

export function malformedRequest(detail: string): QboFault {
  return fault('4000', 'MalformedRequest', detail);
}

/** The gateway's lower-case envelope (reference §3.2); `time` is epoch milliseconds there. */
export function gatewayFault(opts: { status: 401 | 403; code: string; message: string; detail: string | null; type: string; time: number }): object {
  return {
    warnings: null,
    intuitObject: null,
    fault: { error: [{ message: opts.message, detail: opts.detail, code: opts.code, element: null }], type: opts.type },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: opts.time,
    status: null,
    cdcresponse: [],
  };
}

export function authenticationFailed(detail: string, time: number): object {
  return gatewayFault({
    status: 401,
    code: '3200',
    message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
    detail,
    type: 'AUTHENTICATION',
    time,
  });
}

export function authorizationFailed(detail: string | null, time: number): object {
  return gatewayFault({
    status: 403,
    code: '3100',
    message: 'message=AuthorizationFailed; errorCode=003100; statusCode=403',
    detail,
    type: 'SERVICE',
    time,
  });
}
