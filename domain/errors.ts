/** Error type names thrown as ApplicationFailure types by activities and matched by workflows and retry policies. */
export const ErrorTypes = {
  RecordNotFound: 'RecordNotFound',
  InvalidRecord: 'InvalidRecord',
  TenantNotFound: 'TenantNotFound',
  NotConnected: 'NotConnected',
  QboRejected: 'QboRejected',
  QboAuthorization: 'QboAuthorization',
  QboRetryable: 'QboRetryable',
  QboOutcomeUncertain: 'QboOutcomeUncertain',
  RefreshFailed: 'RefreshFailed',
} as const;
export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];
