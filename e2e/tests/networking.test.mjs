// Networking and feedback in real browsers (issue #9): two people swap cards by typing a
// code and by opening a badge's QR URL, export contacts, rate a running session, and see
// their points, level and the leaderboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  startServer, launch, PHONE, DESKTOP, assertAccessible, signUp, organizerToken, api,
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

test('swap cards by code and by QR URL, then export the contacts', async () => {
  const aliceCtx = await browser.newContext(PHONE);
  const bobCtx = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
  const alice = await aliceCtx.newPage();
  const bob = await bobCtx.newPage();

  // Alice shows her card on her phone.
  await signUp(alice, server.base, 'Alice Anders', '/c/demo/card');
  await alice.getByRole('heading', { name: 'My card' }).waitFor();
  await alice.getByRole('textbox', { name: 'Company' }).fill('Container Corp');
  await alice.getByRole('button', { name: 'Save my card' }).click();
  await alice.getByText('Your card is saved.').waitFor();
  assert.ok(await alice.locator('figure.qr svg').count() === 1, 'the QR code is on the page');
  const code = (await alice.getByTestId('badge-code').textContent()).trim();
  assert.match(code, /^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
  await assertAccessible(alice, 'my card (phone)');
  const phoneFits = await alice.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  assert.ok(phoneFits, 'the card page fits a phone');

  // Bob types the code.
  await signUp(bob, server.base, 'Bob Brandt', '/c/demo/contacts');
  await bob.getByRole('heading', { name: /My contacts/ }).waitFor();
  await bob.getByLabel('Badge code').fill(code.toLowerCase());
  await bob.getByRole('button', { name: 'Exchange cards' }).click();
  await bob.getByText('Contacts exchanged.').waitFor();
  assert.match(await bob.textContent('main'), /Alice Anders[\s\S]*Container Corp/);
  await assertAccessible(bob, 'contacts');

  // It was mutual.
  await alice.goto(`${server.base}/c/demo/contacts`);
  assert.match(await alice.textContent('main'), /Bob Brandt/);

  // Carol opens Alice's QR URL signed out: log in (sign up), come back, exchange.
  const qrUrl = await alice.evaluate(async () => (await (await fetch('/api/v1/conferences/demo/me/card')).json()).qr_url);
  assert.match(qrUrl, /\/c\/demo\/x\/[A-Za-z0-9_-]{43}$/);
  const carolCtx = await browser.newContext(PHONE);
  const carol = await carolCtx.newPage();
  await carol.goto(qrUrl);
  await carol.waitForURL(/\/login\?next=/);
  await signUp(carol, server.base, 'Carol Chen', new URL(qrUrl).pathname);
  await carol.getByText(/Alice Anders.*would like to swap cards/).waitFor();
  await assertAccessible(carol, 'scan result');
  await carol.getByRole('button', { name: 'Exchange cards' }).click();
  await carol.getByText('Contacts exchanged.').waitFor();
  assert.match(await carol.textContent('main'), /Alice Anders/);

  // Bob keeps a note and downloads his contacts as vCard.
  await bob.getByLabel('My private note').fill('Talk again about registries');
  await bob.getByRole('button', { name: 'Save note' }).click();
  await bob.getByText('Note saved.').waitFor();
  const [download] = await Promise.all([
    bob.waitForEvent('download'),
    bob.getByRole('link', { name: 'all as vCard' }).click(),
  ]);
  const vcf = readFileSync(await download.path(), 'utf8');
  assert.match(vcf, /^BEGIN:VCARD\r\nVERSION:4\.0\r\nFN:Alice Anders\r\n/);
  assert.match(vcf, /ORG:Container Corp\r\n/);
  assert.match(vcf, /My note: Talk again about registries/);

  await aliceCtx.close();
  await bobCtx.close();
  await carolCtx.close();
});

test('rate a session that has started, then see points, level and the leaderboard', async () => {
  // Let attendees join sessions that started up to 4 hours ago, so one can be rated now.
  const organizer = await organizerToken(server.base, server.db);
  assert.equal((await api(server.base, '/api/v1/conferences/demo/settings', {
    method: 'PUT', token: organizer, body: { agenda_grace_minutes: 240 },
  })).status, 200);
  const now = Date.now();
  const sessions = (await api(server.base, '/api/v1/conferences/demo/sessions')).body;
  // The latest session that has started (within the grace just set) and has a free seat:
  // rating is open.
  const running = sessions
    // Still running, with a free seat: at some hours the latest to start is already over
    // (a 25-minute theater session) or full.
    .filter((s) => s.kind !== 'break' && (s.seats_left === null || s.seats_left > 0))
    .filter((s) => Date.parse(s.ends_at) > now + 5 * 60_000)
    .filter((s) => Date.parse(s.starts_at) < now - 60_000 && Date.parse(s.starts_at) > now - 200 * 60_000)
    .sort((x, y) => Date.parse(y.starts_at) - Date.parse(x.starts_at))[0];
  assert.ok(running, 'the demo has sessions that started this morning');

  const page = await browser.newPage(PHONE);
  await signUp(page, server.base, 'Rita Rater', `/c/demo/sessions/${running.id}`);
  await page.getByRole('button', { name: 'Add to my agenda' }).click();
  await page.getByText('✓ In your agenda').first().waitFor();
  await page.reload();
  await page.getByLabel('5 ★').check();
  await page.getByLabel('Comment (optional)').fill('Clear, practical and on time.');
  await page.getByRole('button', { name: 'Rate this session' }).click();
  await page.getByText('Thanks, your rating is saved.').waitFor();
  assert.ok(await page.getByLabel('5 ★').isChecked(), 'the rating is shown back');
  await assertAccessible(page, 'session with the rating form');

  await page.goto(`${server.base}/c/demo/points`);
  await page.getByRole('heading', { name: 'Narwhal' }).waitFor();
  assert.equal((await page.getByTestId('points').textContent()).trim(), '5', 'a rating (2) and a comment (3)');
  assert.ok(await page.locator('progress').count() === 1, 'progress to the next level');
  assert.match(await page.textContent('main'), /10 points to Pufferfish/);
  await assertAccessible(page, 'my points');

  await page.goto(`${server.base}/c/demo/leaderboard`);
  const me = page.locator('tr.me');
  await me.waitFor();
  assert.match(await me.textContent(), /Rita Rater/);
  await assertAccessible(page, 'leaderboard');
  await page.getByRole('button', { name: 'Hide me from the leaderboard' }).click();
  await page.getByText('You are no longer shown on the leaderboard.').waitFor();
  assert.equal(await page.locator('tr.me').count(), 0);
  await page.close();
});
