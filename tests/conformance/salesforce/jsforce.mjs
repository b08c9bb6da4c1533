// jsforce (a second independent Salesforce client) drives salesforce-sim over HTTPS: OAuth client
// credentials, CRUD, upsert, query with autoFetch paging, and error mapping. Run by ./run with the
// simulator's URLs in the environment and NODE_EXTRA_CA_CERTS set to its CA.
import assert from 'node:assert/strict';
import jsforce from 'jsforce';

const instanceUrl = process.env.SALESFORCE_SIM_HTTPS_URL;
const tag = `J${Date.now().toString(36)}`;

async function token() {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: process.env.SFSIM_CLIENT_ID,
    client_secret: process.env.SFSIM_CLIENT_SECRET,
  });
  const response = await fetch(`${instanceUrl}/services/oauth2/token`, { method: 'POST', body });
  assert.equal(response.status, 200);
  return (await response.json()).access_token;
}

async function check(name, fn) {
  await fn();
  console.log(`ok - ${name}`);
}

const conn = new jsforce.Connection({ instanceUrl, accessToken: await token(), version: '59.0' });
const contacts = conn.sobject('Contact');

await check('create, retrieve, update and destroy a contact', async () => {
  const created = await contacts.create({ FirstName: 'Grace', LastName: tag, Email: 'grace@example.com' });
  assert.equal(created.success, true);
  assert.match(created.id, /^003[0-9A-Za-z]{15}$/);
  const got = await contacts.retrieve(created.id);
  assert.equal(got.Name, `Grace ${tag}`);
  const updated = await contacts.update({ Id: created.id, Phone: '+1 555 0101' });
  assert.equal(updated.success, true);
  assert.equal((await contacts.retrieve(created.id)).Phone, '+1 555 0101');
  const destroyed = await contacts.destroy(created.id);
  assert.equal(destroyed.success, true);
  await assert.rejects(contacts.retrieve(created.id), (e) => e.errorCode === 'ENTITY_IS_DELETED');
});

await check('create records through sObject Collections, at most 200 per call as Salesforce requires', async () => {
  const records = Array.from({ length: 250 }, (_, i) => ({ LastName: `${tag}-${String(i).padStart(4, '0')}` }));
  await assert.rejects(contacts.create(records), (e) => e.errorCode === 'EXCEEDED_ID_LIMIT');
  for (const chunk of [records.slice(0, 200), records.slice(200)]) {
    const results = await contacts.create(chunk, { allOrNone: true });
    assert.equal(results.length, chunk.length);
    assert.ok(results.every((r) => r.success));
  }
});

await check('upsert by the external id field', async () => {
  const first = await contacts.upsert({ Customer_Id__c: `${tag}-ext`, LastName: tag }, 'Customer_Id__c');
  assert.equal(first.success, true);
  assert.equal(first.created, true);
  const second = await contacts.upsert({ Customer_Id__c: `${tag}-ext`, Email: 'x@example.com' }, 'Customer_Id__c');
  assert.equal(second.created, false);
});

await check('upsert matches the external id regardless of case', async () => {
  const stored = `${tag}-case`.toLowerCase();
  const created = await contacts.create({ LastName: tag, Customer_Id__c: stored });
  const record = { Customer_Id__c: stored.toUpperCase(), Email: 'case@example.com' };
  const upserted = await contacts.upsert(record, 'Customer_Id__c');
  assert.equal(upserted.created, false);
  assert.equal(upserted.id, created.id);
  assert.equal((await contacts.retrieve(created.id)).Email, 'case@example.com');
});

await check('an allOrNone create that fails is rolled back and returns no ids', async () => {
  const records = [{ LastName: `${tag}-rolled-back` }, { FirstName: 'no last name' }];
  const results = await contacts.create(records, { allOrNone: true });
  assert.deepEqual(results.map((r) => [r.success, r.id ?? null, r.errors[0].statusCode]), [
    [false, null, 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
    [false, null, 'REQUIRED_FIELD_MISSING'],
  ]);
  const found = await conn.query(`SELECT Id FROM Contact WHERE LastName = '${tag}-rolled-back'`);
  assert.equal(found.totalSize, 0);
});

await check('date literals select records by day', async () => {
  const mine = `SELECT Id FROM Contact WHERE LastName = '${tag}'`;
  const found = await conn.query(`${mine} AND CreatedDate = TODAY AND SystemModstamp >= LAST_N_DAYS:2`);
  assert.ok(found.totalSize >= 1);
  const none = await conn.query(`${mine} AND CreatedDate < YESTERDAY`);
  assert.equal(none.totalSize, 0);
});

await check('query with autoFetch follows nextRecordsUrl', async () => {
  const records = [];
  const query = conn
    .query(`SELECT Id, LastName FROM Contact WHERE LastName LIKE '${tag}-%' ORDER BY LastName`)
    .on('record', (r) => records.push(r));
  await query.run({ autoFetch: true, maxFetch: 10000, headers: { 'Sforce-Query-Options': 'batchSize=200' } });
  assert.equal(records.length, 250);
  assert.equal(records[0].LastName, `${tag}-0000`);
  assert.equal(query.totalSize, 250);
});

await check('errors carry the Salesforce error code', async () => {
  await assert.rejects(contacts.create({ FirstName: 'no last name' }), (e) => e.errorCode === 'REQUIRED_FIELD_MISSING');
  await assert.rejects(conn.query('SELECT Nope FROM Contact'), (e) => e.errorCode === 'INVALID_FIELD');
});

await check('describe reports the key prefix, id lengths of 18 and a case-insensitive external id', async () => {
  const describe = await contacts.describe();
  assert.equal(describe.keyPrefix, '003');
  const field = (name) => describe.fields.find((f) => f.name === name);
  for (const name of ['Id', 'AccountId', 'OwnerId']) {
    assert.equal(field(name).length, 18, name);
  }
  assert.equal(field('Customer_Id__c').caseSensitive, false);
});
