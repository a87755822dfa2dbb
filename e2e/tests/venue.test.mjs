// The venue in real browsers (issue #10): two volunteers' phones at two doors of one small
// room admit until it is full, refuse with the reason, and show the same count live; an
// attendee checked in at a running lab starts it, sees their machine and finishes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  BIN, startServer, launch, PHONE, DESKTOP, assertAccessible, organizer as organizerAccount, organizerToken, api,
} from './harness.mjs';

let server;
let browser;
let organizer;

before(async () => {
  server = await startServer();
  browser = await launch();
  organizer = await organizerToken(server.base, server.db);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

let n = 0;
/** A volunteer of the demo conference, made with `hallway user add`; resolves to its email. */
function volunteer() {
  const email = `door-${Date.now()}-${n++}@example.org`;
  const r = spawnSync(BIN, ['user', 'add', '--db', server.db, '--email', email, '--role', 'volunteer', '--conference', 'demo'], {
    input: 'volunteer password\n',
    env: { ...process.env, HALLWAY_ARGON2_MEMORY_KIB: '64', HALLWAY_ARGON2_PASSES: '1' },
  });
  assert.equal(r.status, 0, String(r.stderr));
  return email;
}

/** A browser context logged in as `email` (the log-in cookie is shared with its pages). */
async function loggedIn(email, password, device) {
  const ctx = await browser.newContext(device);
  const r = await ctx.request.post(`${server.base}/api/v1/auth/login`, { data: { email, password } });
  assert.equal(r.status(), 200);
  return ctx;
}

/** A new attendee; resolves to { email, token, code }. */
async function attendee(name) {
  const email = `att-${Date.now()}-${n++}@example.org`;
  const r = await api(server.base, '/api/v1/auth/signup', {
    method: 'POST', body: { email, password: 'correct horse battery', name },
  });
  assert.equal(r.status, 201);
  const card = await api(server.base, '/api/v1/conferences/demo/me/card', { token: r.body.token });
  return { email, token: r.body.token, code: card.body.code };
}

async function scan(page, code, direction = 'in') {
  await page.getByLabel(direction === 'in' ? 'In (entrance)' : 'Out (exit)').check();
  await page.getByLabel('Badge code').fill(code);
  await page.getByRole('button', { name: 'Check' }).click();
}

test('two doors of one room admit until it is full and show the same count live', async () => {
  const room = await api(server.base, '/api/v1/conferences/demo/rooms', {
    method: 'POST', token: organizer, body: { name: 'E2E Theater', capacity: 2 },
  });
  assert.equal(room.status, 201);
  const [ann, ben, cat] = [await attendee('Ann Arbor'), await attendee('Ben Baker'), await attendee('Cat Cole')];

  const door1 = await (await loggedIn(volunteer(), 'volunteer password', PHONE)).newPage();
  const door2 = await (await loggedIn(volunteer(), 'volunteer password', PHONE)).newPage();
  const path = `/c/demo/rooms/${room.body.id}/door`;
  for (const page of [door1, door2]) {
    await page.goto(`${server.base}${path}`);
    await page.waitForFunction(() => document.body.dataset.live === 'open');
  }
  await assertAccessible(door1, 'door (phone)');

  await scan(door1, ann.code);
  await door1.getByTestId('answer').getByText('Welcome: free seat').waitFor();
  await door2.getByTestId('occupancy').getByText('1', { exact: true }).waitFor();

  await scan(door2, ben.code.toLowerCase());
  await door2.getByTestId('answer').getByText('Welcome: free seat').waitFor();
  await door1.getByTestId('occupancy').getByText('2', { exact: true }).waitFor();

  await scan(door1, cat.code);
  await door1.getByTestId('answer').getByText('Room full').waitFor();
  assert.match(await door1.getByTestId('answer').getAttribute('class'), /door-refuse/);

  await scan(door2, 'ZZZZ-ZZZZ');
  await door2.getByTestId('answer').getByText('Unknown badge').waitFor();

  await scan(door1, ann.code, 'out');
  await door1.getByTestId('answer').getByText('Checked out').waitFor();
  await door2.getByTestId('occupancy').getByText('1', { exact: true }).waitFor();
  await scan(door2, cat.code);
  await door2.getByTestId('answer').getByText('Welcome: free seat').waitFor();
  const fits = await door1.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  assert.ok(fits, 'the door page fits a phone');
});

test('an attendee checked in at a running lab gets a machine and gives it back', async () => {
  const now = Date.now();
  const labs = (await api(server.base, '/api/v1/conferences/demo/sessions?kind=lab')).body;
  const lab = labs
    .filter((s) => Date.parse(s.starts_at) - 15 * 60_000 <= now && now + 5 * 60_000 < Date.parse(s.ends_at))
    .sort((a, b) => Date.parse(b.ends_at) - Date.parse(a.ends_at))[0];
  assert.ok(lab, 'the demo has a lab running');
  const dan = await attendee('Dan Dorn');
  const door = await api(server.base, `/api/v1/conferences/demo/rooms/${lab.room.id}/door`, {
    method: 'POST', token: organizer, body: { code: dan.code, direction: 'in' },
  });
  assert.equal(door.body.admitted, true, JSON.stringify(door.body));

  const page = await (await loggedIn(dan.email, 'correct horse battery', DESKTOP)).newPage();
  await page.goto(`${server.base}/c/demo/sessions/${lab.id}/lab`);
  await page.getByRole('button', { name: 'Start the lab' }).click();
  await page.getByTestId('machine').waitFor();
  assert.match(await page.getByTestId('machine-address').textContent(), /^10\.\d+\.\d+\.\d+$/);
  await assertAccessible(page, 'lab with a machine');
  const mine = await page.evaluate(async (id) => (await (await fetch(`/api/v1/conferences/demo/sessions/${id}/lab`)).json()).machine.name, lab.id);

  // The organizer sees who holds it.
  const pool = await api(server.base, `/api/v1/conferences/demo/sessions/${lab.id}/machines`, { token: organizer });
  assert.equal(pool.body.find((m) => m.name === mine).holder, 'Dan Dorn');

  await page.getByRole('button', { name: 'Finish the lab' }).click();
  await page.getByRole('button', { name: 'Start the lab' }).waitFor();
  const after = await api(server.base, `/api/v1/conferences/demo/sessions/${lab.id}/machines`, { token: organizer });
  assert.equal(after.body.find((m) => m.name === mine).holder, null);
  const points = await api(server.base, '/api/v1/conferences/demo/me/points', { token: dan.token });
  assert.ok(points.body.points >= 12, `check-in and lab points: ${JSON.stringify(points.body)}`);
});

test('the organizer dashboard follows a reservation within seconds and keeps what is typed', async () => {
  const org = await organizerAccount(server.base, server.db);
  const page = await (await loggedIn(org.email, org.password, DESKTOP)).newPage();
  await page.goto(`${server.base}/c/demo/dashboard`);
  await page.locator('body[data-live="open"]').waitFor();
  await assertAccessible(page, 'dashboard');
  const sessions = (await api(server.base, '/api/v1/conferences/demo/sessions')).body;
  const soon = Date.now() + 3 * 3600_000;
  const talk = sessions.find((s) => s.kind === 'talk' && Date.parse(s.starts_at) > soon && s.seats_left > 0);
  assert.ok(talk, 'a talk ahead with free seats');
  const cell = page.locator('#sessions-h ~ table tr', { has: page.locator(`a[href="/c/demo/sessions/${talk.id}"]`) }).locator('td').nth(2);
  const before = Number(await cell.textContent());
  // Something half typed in the door rules stays while the tables are read again.
  await page.getByLabel(/Seats held for reservations/).fill('12');
  const who = await attendee('Dashboard Watcher');
  const r = await api(server.base, `/api/v1/conferences/demo/agenda/${talk.id}`, { method: 'PUT', token: who.token });
  assert.equal(r.status, 201);
  await page.waitForFunction(
    ([id, n]) => {
      const row = [...document.querySelectorAll('#dashboard table tr')].find((tr) => tr.querySelector(`a[href="/c/demo/sessions/${id}"]`));
      return row && Number(row.querySelectorAll('td')[2].textContent) === n;
    },
    [talk.id, before + 1],
    { timeout: 15000 },
  );
  assert.equal(await page.getByLabel(/Seats held for reservations/).inputValue(), '12');
});
