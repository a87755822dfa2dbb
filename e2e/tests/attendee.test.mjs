// What an attendee does, in a real browser on a phone and at a desk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, launch, PHONE, DESKTOP, assertAccessible, signUp, organizerToken, api, overlappingTalks,
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

for (const [label, device] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  test(`every public page passes axe on a ${label}`, async () => {
    const page = await browser.newPage(device);
    const { a } = await overlappingTalks(server.base);
    const speaker = a.speakers[0].id;
    for (const path of ['/', '/events', '/events?region=Europe&year=2017', '/c/demo', '/c/demo/program',
      '/c/demo/program?view=list', `/c/demo/sessions/${a.id}`, `/c/demo/speakers/${speaker}`,
      '/login', '/signup', '/api/docs', '/problems', '/no/such/page']) {
      await page.goto(`${server.base}${path}`);
      await assertAccessible(page, `${path} (${label})`);
    }
    await page.close();
  });
}

test('browse the directory with filters', async () => {
  const page = await browser.newPage(PHONE);
  await page.goto(`${server.base}/events`);
  await assert.doesNotReject(page.getByRole('heading', { name: 'Conference directory' }).waitFor());
  await page.getByLabel('Region').selectOption('North America');
  await page.getByLabel('Year').selectOption('2017');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/region=North\+America/);
  const text = await page.textContent('main');
  assert.match(text, /DockerCon US 2017/);
  assert.doesNotMatch(text, /DockerCon Europe 2017/);
  await page.getByLabel('Search').fill('austin');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=austin/);
  assert.match(await page.textContent('main'), /KubeCon \+ CloudNativeCon North America 2017/);
  await page.close();
});

test('open the program: grid on a desktop, list on a phone, sideways scroll', async () => {
  const desk = await browser.newPage(DESKTOP);
  await desk.goto(`${server.base}/c/demo/program`);
  await desk.locator('.grid .room-head', { hasText: 'Main Hall' }).waitFor();
  const cells = await desk.locator('.grid [data-session]').count();
  assert.ok(cells > 50, `${cells} sessions in the grid`);
  await desk.close();

  const phone = await browser.newPage(PHONE);
  await phone.goto(`${server.base}/c/demo/program`);
  const scroll = phone.locator('.grid-scroll');
  const wide = await scroll.evaluate((el) => el.scrollWidth > el.clientWidth);
  assert.ok(wide, 'the grid scrolls sideways on a phone');
  const page = await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  assert.ok(page, 'the page itself does not scroll sideways');
  await phone.getByRole('link', { name: 'List' }).click();
  await phone.waitForURL(/view=list/);
  assert.ok(await phone.locator('.slot').count() > 5);
  await phone.close();
});

test('sign up, add a session, hit the conflict dialog and replace', async () => {
  const page = await browser.newPage(PHONE);
  const { a, b } = await overlappingTalks(server.base);
  await signUp(page, server.base, 'Conflict Carla', `/c/demo/sessions/${a.id}`);
  await page.getByRole('button', { name: 'Add to my agenda' }).click();
  await page.getByText('✓ In your agenda').first().waitFor();
  await page.goto(`${server.base}/c/demo/sessions/${b.id}`);
  await page.getByRole('button', { name: 'Add to my agenda' }).click();
  // With JavaScript the conflict is a dialog that names the clashing session.
  await page.getByRole('heading', { name: 'It overlaps your agenda' }).waitFor();
  const dialogText = await page.textContent('dialog');
  assert.ok(dialogText.includes(a.title), 'the clash is named');
  // Both sessions share the slot: the dialog shows it in the conference's time, as the page does.
  const slot = (await page.locator('dl.facts time').first().textContent()).trim();
  assert.ok(dialogText.includes(slot), `the dialog shows ${slot}: ${dialogText}`);
  await assertAccessible(page, 'conflict dialog');
  await page.getByRole('button', { name: 'Replace with this session' }).click();
  await page.getByText('✓ In your agenda').first().waitFor();
  await page.goto(`${server.base}/c/demo/agenda`);
  const agenda = await page.textContent('main');
  assert.ok(agenda.includes(b.title) && !agenda.includes(a.title), 'swapped');
  await assertAccessible(page, 'my agenda');
  await page.goto(`${server.base}/account`);
  await assertAccessible(page, 'account');
  await page.close();
});

test('a small session fills from a second browser: full, then the waitlist', async () => {
  const organizer = await organizerToken(server.base, server.db);
  const { day } = await overlappingTalks(server.base);
  const talks = (await api(server.base, `/api/v1/conferences/demo/sessions?day=${day}&kind=talk`)).body;
  const small = talks[10];
  assert.equal((await api(server.base, `/api/v1/conferences/demo/sessions/${small.id}/capacity`, { method: 'PUT', token: organizer, body: { capacity: 1 } })).status, 200);

  const first = await browser.newContext(DESKTOP);
  const second = await browser.newContext(PHONE);
  const p1 = await first.newPage();
  const p2 = await second.newPage();
  await signUp(p1, server.base, 'First Fatima', `/c/demo/sessions/${small.id}`);
  await signUp(p2, server.base, 'Second Sam', `/c/demo/sessions/${small.id}`);
  // The phone watches the seat count while the desktop takes the last seat.
  const seats = p2.locator(`[data-seats-for="${small.id}"]`);
  assert.match(await seats.textContent(), /1 seat · 1 left/);
  await p1.getByRole('button', { name: 'Add to my agenda' }).click();
  await p2.waitForFunction((id) => /Full/.test(document.querySelector(`[data-seats-for="${id}"]`).textContent), small.id);
  // The phone's button still says "Add": trying says full and offers the waitlist.
  await p2.getByRole('button', { name: 'Add to my agenda' }).click();
  await p2.getByRole('heading', { name: 'This session is full' }).waitFor();
  await p2.getByRole('button', { name: 'Join the waitlist' }).click();
  await p2.getByText('On the waitlist, position 1').waitFor();
  // The desktop leaves; the phone gets the seat and a toast, without reloading.
  await p1.getByRole('button', { name: 'Remove from my agenda' }).click();
  const toast = p2.locator('.toast-promoted');
  await toast.waitFor();
  assert.match(await toast.textContent(), /A seat freed up/);
  await first.close();
  await second.close();
});

test('seat counts catch up after the live stream was interrupted', async () => {
  const organizer = await organizerToken(server.base, server.db);
  const { day } = await overlappingTalks(server.base);
  const talks = (await api(server.base, `/api/v1/conferences/demo/sessions?day=${day}&kind=talk`)).body;
  const watched = talks[12];
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  // The first stream ends at once (as when an instance restarts); the browser reconnects,
  // and that second attempt waits until the seat count has changed meanwhile.
  let attempts = 0;
  let resume;
  const changed = new Promise((r) => { resume = r; });
  await page.route('**/api/v1/conferences/demo/live*', async (route) => {
    attempts += 1;
    if (attempts === 1) {
      await route.fulfill({ status: 200, contentType: 'text/event-stream', body: 'retry: 200\n\n' });
    } else {
      await changed;
      await route.continue();
    }
  });
  await page.goto(`${server.base}/c/demo/sessions/${watched.id}`);
  const seats = page.locator(`[data-seats-for="${watched.id}"]`);
  assert.doesNotMatch(await seats.textContent(), /3 seats/);
  await page.waitForFunction(() => document.body.dataset.live === 'retrying');
  const r = await api(server.base, `/api/v1/conferences/demo/sessions/${watched.id}/capacity`, { method: 'PUT', token: organizer, body: { capacity: 3 } });
  assert.equal(r.status, 200);
  resume();
  // The new stream starts where the page stood, and the page reads the counts again.
  await page.waitForFunction((id) => /3 seats · 3 left/.test(document.querySelector(`[data-seats-for="${id}"]`).textContent), watched.id);
  assert.ok(attempts >= 2);
  await context.close();
});

test('a reminder toast arrives before a reserved session', async () => {
  // The demo places "now" in late morning at the venue, so some session always starts within
  // the next hour. Reserve the next one from an open page, then set the lead time just past
  // its start: the reminder is due at once and the scheduler (ticking every 200 ms in tests)
  // delivers it to the page. The server's real clock is used; nothing waits on wall time.
  const sessions = (await api(server.base, '/api/v1/conferences/demo/sessions')).body;
  const now = Date.now();
  const soon = sessions
    .filter((s) => s.kind !== 'break' && Date.parse(s.starts_at) > now + 3 * 60_000)
    .sort((x, y) => Date.parse(x.starts_at) - Date.parse(y.starts_at))[0];
  assert.ok(soon, 'a session is still ahead');
  const lead = Math.ceil((Date.parse(soon.starts_at) - now) / 60_000) + 5;
  assert.ok(lead <= 1440, `the next session starts within a day (${lead} min)`);
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  await signUp(page, server.base, 'Reminded Rita', `/c/demo/sessions/${soon.id}`);
  await page.waitForFunction(() => document.body.dataset.live === 'open');
  await page.getByRole('button', { name: 'Add to my agenda' }).click();
  await page.getByText('✓ In your agenda').first().waitFor();
  const status = await page.evaluate(async (minutes) => (await fetch('/api/v1/me/reminders', {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ minutes }),
  })).status, lead);
  assert.equal(status, 200);
  const toast = page.locator('.toast-reminder');
  await toast.waitFor({ timeout: 15_000 });
  assert.match(await toast.textContent(), /starts in \d+ min/);
  await context.close();
});

test('the calendar-subscription link serves the agenda with alarms', async () => {
  const page = await browser.newPage(DESKTOP);
  const { a } = await overlappingTalks(server.base);
  await signUp(page, server.base, 'Calendar Chen', `/c/demo/sessions/${a.id}`);
  await page.getByRole('button', { name: 'Add to my agenda' }).click();
  await page.getByText('✓ In your agenda').first().waitFor();
  await page.goto(`${server.base}/c/demo/agenda`);
  const href = await page.getByRole('link', { name: 'agenda.ics' }).getAttribute('href');
  const res = await page.request.get(`${server.base}${href}`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /text\/calendar/);
  const ics = await res.text();
  assert.match(ics, /BEGIN:VEVENT/);
  assert.match(ics, /BEGIN:VALARM/);
  assert.ok(ics.includes(a.title.slice(0, 30)));
  await page.close();
});

test('everything works from the keyboard: sign up and add a session', async () => {
  const page = await browser.newPage(DESKTOP);
  const { a } = await overlappingTalks(server.base);
  await page.goto(`${server.base}/signup?next=${encodeURIComponent(`/c/demo/sessions/${a.id}`)}`);
  // Tab through the form in order and submit with Enter.
  await page.keyboard.press('Tab'); // skip link
  const order = [];
  for (let i = 0; i < 12 && order.length < 3; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => document.activeElement?.getAttribute('name'));
    if (['name', 'email', 'password'].includes(name) && !order.includes(name)) {
      order.push(name);
      await page.keyboard.type(name === 'email' ? `kbd-${Date.now()}@example.org` : name === 'password' ? 'correct horse battery' : 'Keyboard Kim');
    }
  }
  assert.deepEqual(order, ['name', 'email', 'password']);
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/c/demo/sessions/${a.id}$`));
  await page.getByRole('button', { name: 'Add to my agenda' }).focus();
  await page.keyboard.press('Enter');
  await page.getByText('✓ In your agenda').first().waitFor();
  await page.close();
});

test('without JavaScript the same flow works through plain forms', async () => {
  const context = await browser.newContext({ ...PHONE, javaScriptEnabled: false });
  const page = await context.newPage();
  const { a, b } = await overlappingTalks(server.base);
  await signUp(page, server.base, 'No-script Nora', `/c/demo/sessions/${a.id}`);
  await page.getByRole('button', { name: 'Add to my agenda' }).click();
  await page.getByText('✓ In your agenda').first().waitFor();
  await page.goto(`${server.base}/c/demo/sessions/${b.id}`);
  await page.getByRole('button', { name: 'Add to my agenda' }).click();
  // The server answers with a page naming the clash and offering the swap.
  await page.getByRole('heading', { name: 'It overlaps your agenda' }).waitFor();
  assert.ok((await page.textContent('main')).includes(a.title));
  // axe needs JavaScript: check the same page in a scripted tab at the same origin.
  const html = await page.content();
  const checker = await browser.newPage(PHONE);
  await checker.goto(`${server.base}/c/demo`);
  await checker.setContent(html);
  await assertAccessible(checker, 'conflict page without JavaScript');
  await checker.close();
  await page.getByRole('button', { name: 'Replace with this session' }).click();
  await page.goto(`${server.base}/c/demo/agenda`);
  const agenda = await page.textContent('main');
  assert.ok(agenda.includes(b.title) && !agenda.includes(a.title), 'swapped');
  await context.close();
});
