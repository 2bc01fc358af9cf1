// Drives @apigrate/autotask-restapi, an ordinary third-party Autotask REST
// client, against the sandbox exactly as it would against Autotask: zone
// lookup, creates, get by id, a paged query, a count and a picklist read.
// Prints one JSON object with what it observed; the Go test asserts on it.
import { AutotaskRestApi } from '@apigrate/autotask-restapi';

const [zoneLookupBase, user, secret, code] = process.argv.slice(2);
// The library appends "v1.0/zoneInformation?user=..." to base_url and then
// uses the zone's "url" for every other call.
const api = new AutotaskRestApi(user, secret, code, { base_url: zoneLookupBase });
const out = {};

const ids = [];
for (let i = 0; i < 5; i++) {
  const r = await api.Companies.create({
    companyName: `Compat Co ${i}`, companyType: 1, phone: '555-0100', ownerResourceID: 29682885,
  });
  ids.push(r.itemId);
}
out.zoneUrl = api.zoneInfo && api.zoneInfo.url;
out.createdIds = ids;

const one = await api.Companies.get(ids[2]);
out.getName = one && one.item && one.item.companyName;

const missing = await api.Companies.get(999999999);
out.missingIsNull = missing === null || (missing && missing.item === null);

// Page through with MaxRecords 2: the first page comes from the library,
// the following ones from POSTing the same body to nextPageUrl, as the
// library's README tells its users to do.
const search = { MaxRecords: 2, IncludeFields: ['id', 'companyName'], filter: [{ op: 'beginsWith', field: 'companyName', value: 'Compat Co' }] };
let page = await api.Companies.query(search);
const seen = [];
let pages = 0;
for (;;) {
  pages++;
  for (const it of page.items) seen.push(it.id);
  const next = page.pageDetails.nextPageUrl;
  if (!next) break;
  const r = await fetch(next, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ApiIntegrationcode: code, UserName: user, Secret: secret },
    body: JSON.stringify(search),
  });
  page = await r.json();
}
out.pages = pages;
out.pagedIds = seen;

out.count = (await api.Companies.count({ filter: [{ op: 'beginsWith', field: 'companyName', value: 'Compat Co' }] })).queryCount;

const fields = await api.Tickets.fieldInfo();
const queue = fields.fields.find((f) => f.name === 'queueID');
out.queueLabels = queue.picklistValues.map((p) => p.label);
out.queueValueTypes = [...new Set(queue.picklistValues.map((p) => typeof p.value))];

process.stdout.write(JSON.stringify(out) + '\n');
