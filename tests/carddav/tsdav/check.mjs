// tsdav against a live contacts server: discover, fetch address books and vCards, create,
// update, delete, and sync-collection after changes made through Niagara and FOLIO.
// Usage: BASE=http://127.0.0.1:PORT TOKEN=ct_... node check.mjs
// Prints one JSON object (what tsdav saw at each step) on stdout; tests/carddav/test_tsdav.py checks it.
import assert from 'node:assert/strict';
import { DAVClient } from 'tsdav';

const BASE = process.env.BASE;
const TOKEN = process.env.TOKEN;
const seen = {};

async function api(method, path, body, extraHeaders = {}) {
  const response = await fetch(BASE + path, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...extraHeaders },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const vcard = (uid, fn, extra = '') => {
  const [given, family] = fn.split(' ');
  return `BEGIN:VCARD\r\nVERSION:4.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${family};${given};;;\r\n${extra}END:VCARD\r\n`;
};

const client = new DAVClient({
  serverUrl: BASE + '/',
  credentials: { username: 'tsdav-user', password: TOKEN },
  authMethod: 'Basic',
  defaultAccountType: 'carddav',
});

// Discovery: well-known -> current-user-principal -> addressbook-home-set.
await client.login();
seen.rootUrl = client.account.rootUrl;
seen.principalUrl = client.account.principalUrl;
seen.homeUrl = client.account.homeUrl;

const books = await client.fetchAddressBooks();
seen.books = books.map((b) => ({ url: b.url, displayName: b.displayName, reports: b.reports }));
assert.equal(books.length, 1);
const book = books[0];

// A card made through Niagara before, fetched as a vCard.
let cards = await client.fetchVCards({ addressBook: book });
seen.initial = cards.map((c) => ({ url: c.url, etag: c.etag, data: c.data }));

// Create, update, delete.
const uid = 'tsdav-' + Date.now();
const created = await client.createVCard({
  addressBook: book, filename: `${uid}.vcf`, vCardString: vcard(uid, 'Tess Dav', 'X-TSDAV-NOTE:kept\r\n'),
});
seen.createStatus = created.status;
cards = await client.fetchVCards({ addressBook: book });
const mine = cards.find((c) => c.url.endsWith(`/${uid}.vcf`));
seen.createdCard = { url: mine.url, etag: mine.etag, data: mine.data };
const updated = await client.updateVCard({ vCard: { ...mine, data: mine.data.replace('FN:Tess Dav', 'FN:Tess Updated') } });
seen.updateStatus = updated.status;
const stale = await client.updateVCard({ vCard: { ...mine, data: mine.data } });
seen.staleUpdateStatus = stale.status;  // the old ETag: 412

// sync-collection: remember the token, then change through Niagara and FOLIO.
const [state] = await client.fetchAddressBooks();
const before = { ...book, syncToken: state.syncToken, ctag: state.ctag };
seen.tokenBefore = state.syncToken;

const niagaraId = seen.initial[0].url.split('/').pop().replace('.vcf', '');
const folio = { 'X-Okapi-Tenant': 'diku' };
seen.niagaraEdit = (await api('PUT', `/contacts/${niagaraId}`,
  { label: 'x', name: 'Grace Brewster Hopper', email: 'grace@example.org' })).status;
const folioNew = await api('POST', '/organizations-storage/contacts', { firstName: 'Nick', lastName: 'Fury' }, folio);
seen.folioCreate = folioNew.status;
seen.folioId = folioNew.body.id;
cards = await client.fetchVCards({ addressBook: book });
const tess = cards.find((c) => c.url.endsWith(`/${uid}.vcf`));
seen.deleteStatus = (await client.deleteVCard({ vCard: tess })).status;

const synced = await client.smartCollectionSync({
  collection: { ...before, objects: seen.initial.concat([{ url: mine.url, etag: mine.etag, data: mine.data }]),
    objectMultiGet: client.addressBookMultiGet.bind(client) },
  method: 'webdav',
  detailedResult: true,
  account: client.account,
});
seen.sync = {
  created: synced.objects.created.map((o) => ({ url: o.url, data: o.data })),
  updated: synced.objects.updated.map((o) => ({ url: o.url, data: o.data })),
  deleted: synced.objects.deleted.map((o) => o.url),
  syncToken: synced.syncToken,
};

// A second sync with the new token: nothing changed since.
const again = await client.syncCollection({
  url: book.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: synced.syncToken,
});
seen.secondSyncResponses = again.filter((r) => r.href).length;

console.log(JSON.stringify(seen));
