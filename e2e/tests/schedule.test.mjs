// An organizer updates the program by uploading a schedule file in the browser: a dry run
// first, then the real import; the changes page shows the new version and the attendee
// whose session moved reads about it in their agenda.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, DESKTOP, PHONE, assertAccessible, signUp, organizer, api, overlappingTalks,
} from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('an organizer imports a new version in the browser and attendees hear about it', async () => {
  const org = await organizer(server.base, server.db);
  const { a } = await overlappingTalks(server.base);

  // An attendee keeps talk a.
  const attendee = await (await browser.newContext(PHONE)).newPage();
  await signUp(attendee, server.base, 'Moved Maria', `/c/demo/sessions/${a.id}`);
  await attendee.getByRole('button', { name: 'Add to my agenda' }).click();
  await attendee.getByText('✓ In your agenda').first().waitFor();

  // The organizer's new version: talk a 30 minutes later.
  const doc = await (await fetch(`${server.base}/c/demo/schedule.json`)).json();
  for (const day of doc.schedule.conference.days) {
    for (const events of Object.values(day.rooms)) {
      for (const e of events) {
        if (e.id === a.id) {
          e.date = new Date(Date.parse(e.date) + 30 * 60_000).toISOString();
        }
      }
    }
  }
  const file = { name: 'harbor-days.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) };

  const page = await (await browser.newContext(DESKTOP)).newPage();
  await page.goto(`${server.base}/login?next=/c/demo/import`);
  await page.getByLabel('Email').fill(org.email);
  await page.getByLabel('Password').fill(org.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Import the schedule' }).waitFor();
  await assertAccessible(page, '/c/demo/import');

  // The dry run (checked by default) stores nothing.
  await page.setInputFiles('input[name=file]', file);
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('heading', { name: 'Dry run: nothing was stored' }).waitFor();
  await page.getByText('0 added, 1 changed, 0 removed').waitFor();
  assert.equal((await api(server.base, '/api/v1/conferences/demo/versions')).body.length, 1);
  await assertAccessible(page, 'the dry run result');

  // Then for real.
  await page.setInputFiles('input[name=file]', file);
  await page.getByRole('checkbox', { name: /Dry run/ }).uncheck();
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('heading', { name: 'Version 2 stored' }).waitFor();
  await page.getByText('1 attendees notified').waitFor();

  await page.goto(`${server.base}/c/demo/changes`);
  await page.getByRole('heading', { name: /Version 2/ }).waitFor();
  const row = page.getByRole('row', { name: new RegExp(a.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
  await row.getByText('moved').waitFor();
  await assertAccessible(page, '/c/demo/changes');

  // A bad file is refused with its place, and nothing changes.
  await page.goto(`${server.base}/c/demo/import`);
  await page.setInputFiles('input[name=file]', { name: 'broken.xml', mimeType: 'application/xml', buffer: Buffer.from('<schedule>\n<version>3</version>\n<conference>\n</schedule>') });
  await page.getByRole('checkbox', { name: /Dry run/ }).uncheck();
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('alert').getByText(/line 4, column/).waitFor();
  assert.equal((await api(server.base, '/api/v1/conferences/demo/versions')).body.length, 2);

  // The attendee reads about the move.
  await attendee.goto(`${server.base}/c/demo/agenda`);
  await attendee.getByText(/changed: now/).waitFor();

  // Attendees cannot reach the import page.
  const res = await attendee.goto(`${server.base}/c/demo/import`);
  assert.equal(res.status(), 403);
});
