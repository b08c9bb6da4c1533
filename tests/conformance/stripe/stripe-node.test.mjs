// stripe-node (Stripe's official Node client) drives stripe-sim: customers CRUD, list with auto-pagination,
// search, idempotent replays, errors, events, and a webhook delivery verified by stripe.webhooks.constructEvent.
// Run by ./run (`node --test`) with STRIPE_SIM_URL in the environment.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import Stripe from 'stripe';

const url = new URL(process.env.STRIPE_SIM_URL);
const stripe = new Stripe('sk_test_conformance123', {
  host: url.hostname,
  port: Number(url.port),
  protocol: 'http',
  maxNetworkRetries: 0,
});
const tag = () => `n${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

test('create, retrieve, update and delete a customer', async () => {
  const t = tag();
  const c = await stripe.customers.create({ name: 'Ada', email: `${t}@example.com`, metadata: { k: 'v' } });
  assert.match(c.id, /^cus_/);
  assert.equal(c.object, 'customer');
  assert.match(c.lastResponse.requestId, /^req_/);
  const got = await stripe.customers.retrieve(c.id);
  assert.equal(got.email, `${t}@example.com`);
  const updated = await stripe.customers.update(c.id, { phone: '+1 555', metadata: { k: '', x: '1' } });
  assert.equal(updated.phone, '+1 555');
  assert.deepEqual(updated.metadata, { x: '1' });
  const deleted = await stripe.customers.del(c.id);
  assert.deepEqual(deleted, { ...deleted, id: c.id, object: 'customer', deleted: true });
  assert.equal((await stripe.customers.retrieve(c.id)).deleted, true);
});

test('list newest first with auto-pagination and search', async () => {
  const t = tag();
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await stripe.customers.create({ email: `${t}@example.com`, metadata: { t } })).id);
  const page = await stripe.customers.list({ email: `${t}@example.com`, limit: 2 });
  assert.equal(page.has_more, true);
  assert.deepEqual(page.data.map((c) => c.id), ids.slice().reverse().slice(0, 2));
  const all = await stripe.customers.list({ email: `${t}@example.com`, limit: 2 }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(all.map((c) => c.id), ids.slice().reverse());
  const found = await stripe.customers.search({ query: `metadata['t']:'${t}'`, limit: 2 });
  assert.equal(found.object, 'search_result');
  assert.equal(found.has_more, true);
  const every = await stripe.customers.search({ query: `metadata['t']:'${t}'`, limit: 2 }).autoPagingToArray({ limit: 100 });
  assert.equal(new Set(every.map((c) => c.id)).size, 5);
});

test('idempotent replays, mismatches and in-flight keys', async () => {
  const key = `node-${tag()}`;
  const first = await stripe.customers.create({ name: 'Ada' }, { idempotencyKey: key });
  const second = await stripe.customers.create({ name: 'Ada' }, { idempotencyKey: key });
  assert.equal(second.id, first.id);
  assert.equal(second.lastResponse.headers['idempotent-replayed'], 'true');
  await assert.rejects(stripe.customers.create({ name: 'Bob' }, { idempotencyKey: key }), (e) => e.type === 'StripeIdempotencyError' && e.statusCode === 400);
  await fetch(`${url.origin}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"added_latency_ms":400}' });
  try {
    const slowKey = `node-${tag()}`;
    const slow = stripe.customers.create({ name: 'Ada' }, { idempotencyKey: slowKey });
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(stripe.customers.create({ name: 'Ada' }, { idempotencyKey: slowKey }), (e) => e.statusCode === 409 && e.code === 'idempotency_key_in_use');
    assert.match((await slow).id, /^cus_/);
  } finally {
    await fetch(`${url.origin}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  }
});

test('errors map to stripe-node error types', async () => {
  await assert.rejects(stripe.customers.retrieve('cus_nope'), (e) => e.type === 'StripeInvalidRequestError' && e.statusCode === 404 && e.code === 'resource_missing');
  await assert.rejects(stripe.customers.create({ name: 'A', nickname: 'x' }), (e) => e.code === 'parameter_unknown' && e.param === 'nickname');
  const live = new Stripe('sk_live_nope', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
  await assert.rejects(live.customers.list(), (e) => e.type === 'StripeAuthenticationError');
});

test('a rate-limited call is refused with StripeRateLimitError and retried by stripe-node when asked to', async () => {
  const admin = (body) => fetch(`${url.origin}/_sim/rate_limit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await admin({ rate_limit: '2/s' });
  try {
    const calls = Array.from({ length: 6 }, () => stripe.customers.list({ limit: 1 }));
    const refused = (await Promise.allSettled(calls)).filter((r) => r.status === 'rejected').map((r) => r.reason);
    assert.ok(refused.length > 0 && refused.every((e) => e.type === 'StripeRateLimitError' && e.statusCode === 429));
    assert.equal(refused[0].headers['stripe-should-retry'], 'true');
    const retrying = new Stripe('sk_test_conformance123', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 4 });
    for (let i = 0; i < 6; i++) assert.equal((await retrying.customers.list({ limit: 1 })).object, 'list');
  } finally {
    await admin({ rate_limit: 'off' });
  }
});

test('events list by type with the request that caused them', async () => {
  const key = `node-ev-${tag()}`;
  const c = await stripe.customers.create({ name: 'Ada' }, { idempotencyKey: key });
  await stripe.customers.update(c.id, { name: 'Ada L' });
  const events = (await stripe.events.list({ type: 'customer.*', limit: 100 }).autoPagingToArray({ limit: 1000 })).filter((e) => e.data.object.id === c.id);
  assert.deepEqual(events.map((e) => e.type), ['customer.updated', 'customer.created']);
  assert.equal(events[1].request.idempotency_key, key);
  assert.deepEqual(events[0].data.previous_attributes, { name: 'Ada' });
  assert.equal((await stripe.events.retrieve(events[0].id)).id, events[0].id);
});

test('a webhook delivery verifies with stripe.webhooks.constructEvent', async () => {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(received.length === 1 ? 500 : 200).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const endpoint = await stripe.webhookEndpoints.create({ url: `http://127.0.0.1:${server.address().port}/hook`, enabled_events: ['customer.created'] });
  try {
    assert.match(endpoint.secret, /^whsec_/);
    const c = await stripe.customers.create({ name: 'Hook' });
    for (let i = 0; i < 200 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(received.length, 2, 'the refused delivery was retried');
    const event = stripe.webhooks.constructEvent(received[1].body, received[1].headers['stripe-signature'], endpoint.secret);
    assert.equal(event.type, 'customer.created');
    assert.equal(event.data.object.id, c.id);
    assert.throws(() => stripe.webhooks.constructEvent(received[1].body, received[1].headers['stripe-signature'], 'whsec_wrong'));
  } finally {
    await stripe.webhookEndpoints.del(endpoint.id);
    server.close();
  }
});
