import { describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../../db/embedded.ts';

describe('embedded Postgres (PGlite over the wire protocol)', () => {
  it('keeps concurrent parameterised queries from several pooled connections apart', async () => {
    const pg = await startEmbeddedPostgres();
    const a = postgres(pg.url, { max: 10, onnotice: () => {} });
    const b = postgres(pg.url, { max: 2, onnotice: () => {} });
    try {
      await a`create table t (id int primary key, label text not null, n int not null)`;
      const writes = Array.from({ length: 200 }, (_, i) =>
        (i % 3 === 0 ? b : a)`insert into t (id, label, n) values (${i}, ${`row-${i}`}, ${i * 2})`,
      );
      await Promise.all(writes);
      const reads = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b)`select label, n from t where id = ${i} and n = ${i * 2}`),
      );
      expect(reads.map((r) => r[0]?.label)).toEqual(Array.from({ length: 100 }, (_, i) => `row-${i}`));
    } finally {
      await a.end();
      await b.end();
      await pg.close();
    }
  });

  it('runs a transaction on one connection without letting another connection in between', async () => {
    const pg = await startEmbeddedPostgres();
    const a = postgres(pg.url, { max: 4, onnotice: () => {} });
    try {
      await a`create table c (k text primary key, v int not null)`;
      await a`insert into c values ('x', 0)`;
      await Promise.all(
        Array.from({ length: 20 }, () =>
          a.begin(async (tx) => {
            const [row] = await tx`select v from c where k = 'x'`;
            await tx`update c set v = ${Number(row!.v) + 1} where k = 'x'`;
          }),
        ),
      );
      const [row] = await a`select v from c where k = 'x'`;
      expect(row!.v).toBe(20);
    } finally {
      await a.end();
      await pg.close();
    }
  });
});
