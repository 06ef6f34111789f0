import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import { getRecordVersion } from '../db/queries/records.ts';
import { awraRecordSchema, type AwraRecord } from '../domain/records.ts';
import { ErrorTypes } from '../domain/errors.ts';
import type { RecordType } from '../domain/vocabulary.ts';

export interface RecordActivityDeps {
  db: Db;
}

export function createRecordActivities({ db }: RecordActivityDeps) {
  return {
    /** The stored AWRA record version, re-validated against the contract so the workflow can trust its shape. */
    async loadRecordVersion(key: { tenantId: string; recordType: RecordType; sourceId: string; version: number }): Promise<AwraRecord> {
      const record = await getRecordVersion(db, key);
      if (!record) {
        throw ApplicationFailure.create({
          type: ErrorTypes.RecordNotFound,
          message: `Version ${key.version} of ${key.recordType} ${key.sourceId} is not stored.`,
          nonRetryable: true,
        });
      }
      return awraRecordSchema.parse(record);
    },
  };
}
