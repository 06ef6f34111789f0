import { beforeEach, describe, expect, it } from 'vitest';
import { parseQuery } from '../../simulator/query.ts';
import { createSimulator, type Simulator } from '../../simulator/index.ts';
import { simClient, type SimClient } from '../../simulator/testing.ts';
import { oneLineInvoice } from '../support/sim-invoice.ts';

const quiet = { info: () => undefined, warn: () => undefined };

let sim: Simulator;
let qbo: SimClient;
let now = Date.parse('2026-03-02T17:00:00Z');

beforeEach(async () => {
  now = Date.parse('2026-03-02T17:00:00Z');
  sim = createSimulator({ logger: quiet, clock: () => now });
  qbo = simClient(sim, sim.createCompany());
  for (const name of ["O'Brien Hardware", 'Acme Supplies', 'Zebra Paints', 'acme tools']) {
    await qbo.post('/vendor', { DisplayName: name });
    now += 60_000;
  }
});

async function names(sql: string): Promise<string[]> {
  const res = await qbo.query(sql);
  expect(res.status, res.text).toBe(200);
  return (res.json.QueryResponse.Vendor ?? []).map((v: { DisplayName: string }) => v.DisplayName);
}

describe('QBO simulator query language', () => {
  it('filters with = on a string literal with a backslash-escaped quote', async () => {
    expect(await names("SELECT * FROM Vendor WHERE DisplayName = 'O\\'Brien Hardware'")).toEqual(["O'Brien Hardware"]);
  });

  it('reads keywords and entity names case-insensitively', async () => {
    expect(await names("select * from vendor where DisplayName = 'Zebra Paints'")).toEqual(['Zebra Paints']);
  });

  it('matches LIKE with % wildcards without regard to case', async () => {
    expect(await names("SELECT * FROM Vendor WHERE DisplayName LIKE 'acme%' ORDERBY DisplayName")).toEqual(['Acme Supplies', 'acme tools']);
    expect(await names("SELECT * FROM Vendor WHERE DisplayName LIKE '%paint%'")).toEqual(['Zebra Paints']);
  });

  it('filters with IN and combines conditions with AND', async () => {
    const all = (await qbo.query('SELECT * FROM Vendor')).json.QueryResponse.Vendor as { Id: string; DisplayName: string }[];
    const ids = all.slice(0, 3).map((v) => `'${v.Id}'`).join(',');
    expect(await names(`SELECT * FROM Vendor WHERE Id IN (${ids}) AND DisplayName LIKE '%a%' ORDERBY DisplayName DESC`)).toEqual([
      'Zebra Paints',
      "O'Brien Hardware",
      'Acme Supplies',
    ]);
  });

  it('compares nested MetaData timestamps with < > <= >=', async () => {
    expect(await names("SELECT * FROM Vendor WHERE MetaData.LastUpdatedTime > '2026-03-02T10:01:30-07:00'")).toEqual(['Zebra Paints', 'acme tools']);
    expect(await names("SELECT * FROM Vendor WHERE MetaData.CreateTime <= '2026-03-02T17:00:00Z'")).toEqual(["O'Brien Hardware"]);
  });

  it('counts with COUNT(*) and returns only totalCount', async () => {
    const res = await qbo.query("SELECT COUNT(*) FROM Vendor WHERE DisplayName LIKE '%a%'");
    expect(res.json.QueryResponse).toEqual({ totalCount: 4 });
  });

  it('pages with 1-based STARTPOSITION and MAXRESULTS', async () => {
    const res = await qbo.query('SELECT * FROM Vendor ORDERBY DisplayName STARTPOSITION 2 MAXRESULTS 2');
    expect(res.json.QueryResponse.startPosition).toBe(2);
    expect(res.json.QueryResponse.maxResults).toBe(2);
    expect(res.json.QueryResponse.Vendor.map((v: { DisplayName: string }) => v.DisplayName)).toEqual(['acme tools', "O'Brien Hardware"]);
  });

  it('accepts the statement as application/text in a POST body', async () => {
    const res = await qbo.call('POST', '/query', "SELECT * FROM Vendor WHERE DisplayName = 'Zebra Paints'", { contentType: 'application/text' });
    expect(res.json.QueryResponse.Vendor).toHaveLength(1);
  });

  it('filters references by id', async () => {
    const customer = (await qbo.post('/customer', { DisplayName: 'Buyer' })).json.Customer;
    await qbo.post('/invoice', oneLineInvoice(customer.Id, { amount: 5, docNumber: 'INV-7' }));
    const res = await qbo.query(`SELECT * FROM Invoice WHERE CustomerRef = '${customer.Id}' AND DocNumber = 'INV-7'`);
    expect(res.json.QueryResponse.Invoice).toHaveLength(1);
  });

  it('hides inactive list entities unless the query mentions Active', async () => {
    const [first] = (await qbo.query("SELECT * FROM Vendor WHERE DisplayName = 'Zebra Paints'")).json.QueryResponse.Vendor;
    sim.deactivate(qbo.realmId, 'Vendor', first.Id);
    expect(await names('SELECT * FROM Vendor')).not.toContain('Zebra Paints (Deleted)');
    expect(await names('SELECT * FROM Vendor WHERE Active IN (true, false)')).toContain('Zebra Paints (Deleted)');
    expect(await names('SELECT * FROM Vendor WHERE Active = false')).toEqual(['Zebra Paints (Deleted)']);
  });

  it.each([
    ["SELECT * FROM Vendor WHERE DisplayName = 'a' OR DisplayName = 'b'", 'QueryParserError'],
    ['SELECT Id, DisplayName FROM Vendor', 'QueryParserError'],
    ['SELECT * FROM Vendor JOIN Bill', 'QueryParserError'],
    ['SELECT * FROM Vendor GROUP BY DisplayName', 'QueryParserError'],
    ['SELECT * FROM Vendor STARTPOSITION 0', 'value 0 is too small'],
    ["SELECT * FROM Vendor WHERE Nonsense = 'x'", 'Property Nonsense not found'],
    ["SELECT * FROM Invoice WHERE PrivateNote = 'x'", "property 'PrivateNote' is not queryable"],
    ['SELECT * FROM Nothing', 'Invalid entity'],
    ["SELECT * FROM Vendor WHERE DisplayName = 'unterminated", 'Lexical error'],
  ])('rejects %s with 400 4001 Invalid query', async (sql, detail) => {
    const res = await qbo.query(sql);
    expect(res.status).toBe(400);
    expect(res.json.Fault.type).toBe('ValidationFault');
    expect(res.json.Fault.Error[0]).toMatchObject({ code: '4001', Message: 'Invalid query' });
    expect(res.json.Fault.Error[0].Detail).toContain(detail);
  });

  it('parses ORDER BY spelled as two words and caps MAXRESULTS at 1000', () => {
    const q = parseQuery('select * from Customer order by DisplayName desc maxresults 5000');
    expect(q.orderBy).toEqual([{ field: 'DisplayName', desc: true }]);
    expect(q.maxResults).toBe(1000);
  });
});
