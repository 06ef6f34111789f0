import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** A database of its own on a PostgreSQL server, for one test file or one bench run; never used by the product. */
export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drops it, closing whatever connections are left (`with (force)`). */
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random hex>` on the server `serverUrl` points at, as its user (who must be allowed to). */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      // Short timeouts: a drill may call this while the server is coming back, and a cleanup must not hang.
      const admin = postgres(serverUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
      try {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end({ timeout: 2 });
      }
    },
  };
}
