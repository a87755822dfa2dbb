// An admin builds a conference from nothing in the browser: creates it, adds rooms, a track
// and a speaker, puts sessions on the draft grid (a clash is refused), releases, publishes,
// and the public sees the program.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, launch, DESKTOP, assertAccessible, BIN } from './harness.mjs';

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

test('a conference from nothing: rooms, sessions on the grid, release, publish', async () => {
  const email = `admin-${Date.now()}@example.org`;
  const r = spawnSync(BIN, ['user', 'add', '--db', server.db, '--email', email, '--role', 'admin'], {
    input: 'admin password\n',
    env: { ...process.env, HALLWAY_ARGON2_MEMORY_KIB: '64', HALLWAY_ARGON2_PASSES: '1', HALLWAY_LOG: 'warn' },
  });
  assert.equal(r.status, 0, String(r.stderr));
  const page = await (await browser.newContext(DESKTOP)).newPage();
  await page.goto(`${server.base}/login?next=/organize/new`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('admin password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'New conference' }).waitFor();
  await assertAccessible(page, '/organize/new');
  await page.getByLabel('Name').fill('Gopher Gathering');
  await page.getByLabel('Address (slug)').fill('gopher-gathering');
  await page.getByLabel('First day').fill('2031-09-15');
  await page.getByLabel('Last day').fill('2031-09-16');
  await page.getByLabel('Time zone (IANA)').fill('Europe/Amsterdam');
  await page.getByLabel('City').fill('Amsterdam');
  await page.getByRole('button', { name: 'Create (unpublished)' }).click();
  await page.getByRole('heading', { name: 'Organize Gopher Gathering' }).waitFor();
  // Not public yet.
  assert.equal((await fetch(`${server.base}/c/gopher-gathering/program`)).status, 404);

  const newRoom = page.getByRole('form', { name: 'New room' });
  for (const [name, seats] of [['Main Hall', '300'], ['Workshop Room', '25']]) {
    await newRoom.getByLabel('New room').fill(name);
    await newRoom.getByLabel('Seats').fill(seats);
    await newRoom.getByRole('button', { name: 'Add room' }).click();
    await page.getByText('Room added.').waitFor();
  }
  const newTrack = page.getByRole('form', { name: 'New track' });
  await newTrack.getByLabel('New track').fill('Concurrency');
  await newTrack.getByRole('button', { name: 'Add track' }).click();
  await page.getByText('Track added.').waitFor();
  const newSpeaker = page.getByRole('form', { name: 'New speaker' });
  await newSpeaker.getByLabel('New speaker').fill('Rob Pike');
  await newSpeaker.getByRole('button', { name: 'Add speaker' }).click();
  await page.getByText('Speaker added.').waitFor();
  await page.getByRole('link', { name: 'Rob Pike' }).click();
  await page.getByLabel('Biography').fill('Co-creator of Go.');
  await page.getByLabel('Links').fill('Home | https://example.org/rob');
  await assertAccessible(page, 'the speaker form');
  await page.getByRole('button', { name: 'Save the speaker' }).click();
  await page.getByText('Speaker saved.').waitFor();
  await assertAccessible(page, '/c/gopher-gathering/organize');

  // A session from the grid's "+" in Main Hall at 10:00.
  await page.getByRole('link', { name: 'Sessions (draft)' }).click();
  await page.getByRole('link', { name: 'New session in Main Hall at 10:00' }).click();
  await page.getByLabel('Title').fill('Go at scale');
  await page.getByLabel('Ends').fill('10:45');
  await page.getByLabel('Track').selectOption({ label: 'Concurrency' });
  await page.getByLabel('Speakers').selectOption({ label: 'Rob Pike' });
  await assertAccessible(page, 'the session form');
  await page.getByRole('button', { name: 'Save to the draft' }).click();
  await page.getByText('Saved “Go at scale” to the draft.').waitFor();
  await page.getByRole('link', { name: /10:00 Go at scale/ }).waitFor();

  // The same room at the same time is refused, and the form keeps what was typed.
  await page.getByRole('link', { name: 'New session in Main Hall at 10:00' }).click();
  await page.getByLabel('Title').fill('Clashing talk');
  await page.getByRole('button', { name: 'Save to the draft' }).click();
  await page.getByRole('alert').getByText(/Not saved: The room is taken then by “Go at scale”/).waitFor();
  assert.equal(await page.getByLabel('Title').inputValue(), 'Clashing talk');
  await page.getByLabel('Room').selectOption({ label: 'Workshop Room' });
  // The same speaker at the same time is a warning shown before saving.
  await page.getByLabel('Speakers').selectOption({ label: 'Rob Pike' });
  await page.getByRole('button', { name: 'Save to the draft' }).click();
  await page.getByRole('alert').getByText('Rob Pike also speaks in “Go at scale” at that time.').waitFor();
  await assertAccessible(page, 'the warning before saving');
  await page.getByRole('button', { name: 'Save anyway' }).click();
  await page.getByText('Saved “Clashing talk” to the draft.').waitFor();
  await assertAccessible(page, 'the draft grid');

  // Release, then publish.
  await page.getByText('2 added, 0 changed, 0 cancelled').waitFor();
  await page.getByRole('button', { name: 'Release a new version' }).click();
  await page.getByText(/Version 2 released: 2 added/).waitFor();
  await page.getByRole('link', { name: 'Settings, rooms, tracks, speakers' }).click();
  await page.getByRole('checkbox', { name: /Published/ }).check();
  await page.getByRole('button', { name: 'Save the conference' }).click();
  await page.getByText('Conference saved.').waitFor();

  const pub = await (await browser.newContext(DESKTOP)).newPage();
  await pub.goto(`${server.base}/c/gopher-gathering/program?view=list`);
  await pub.getByText('Go at scale').first().waitFor();
  await pub.getByText('Clashing talk').first().waitFor();

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('cell', { name: 'released a schedule version' }).waitFor();
  await assertAccessible(page, 'the audit log');
});
