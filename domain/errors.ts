/** Error type names thrown as ApplicationFailure types by activities and matched by workflows and retry policies. */
export const ErrorTypes = {
  RecordNotFound: 'RecordNotFound',
  QboRejected: 'QboRejected',
  QboAuthorization: 'QboAuthorization',
  QboRetryable: 'QboRetryable',
  QboOutcomeUncertain: 'QboOutcomeUncertain',
  /** A notification that can never be delivered as it is (address refused, endpoint disabled): not retried. */
  NotificationUndeliverable: 'NotificationUndeliverable',
} as const;
export type ErrorType = (typeof ErrorTypes)[keyof typeof ErrorTypes];
