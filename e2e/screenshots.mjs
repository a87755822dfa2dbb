// Regenerates docs/screenshots/: the main pages on a phone (390 px) and a desktop, logged
// out and logged in, from a fresh demo (400 attendees, so seats are taken and labs full).
// Run with `scripts/screenshots.sh` (it builds the release binary first).
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launch, signUp, overlappingTalks, organizer } from './tests/harness.mjs';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 } };

const server = await startServer({ attendees: 400 });
const browser = await launch();
try {
  const { a, b } = await overlappingTalks(server.base);
  const shoot = async (page, name, path, fullPage = false) => {
    await page.goto(`${server.base}${path}`);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage });
  };
  for (const [label, device] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    const context = await browser.newContext(device);
    const page = await context.newPage();
    await shoot(page, `home-${label}`, '/');
    await shoot(page, `events-${label}`, '/events');
    await shoot(page, `program-${label}`, '/c/demo/program');
    await shoot(page, `program-list-${label}`, '/c/demo/program?view=list');
    await shoot(page, `conference-${label}`, '/c/demo');
    await signUp(page, server.base, `Screenshot ${label}`, `/c/demo/sessions/${a.id}`);
    await page.getByRole('button', { name: 'Add to my agenda' }).click();
    await page.getByText('✓ In your agenda').first().waitFor();
    await shoot(page, `session-${label}`, `/c/demo/sessions/${a.id}`);
    await page.goto(`${server.base}/c/demo/sessions/${b.id}`);
    await page.getByRole('button', { name: 'Add to my agenda' }).click();
    await page.getByRole('heading', { name: 'It overlaps your agenda' }).waitFor();
    await page.screenshot({ path: join(out, `conflict-${label}.png`), fullPage: label === 'desktop' });
    await shoot(page, `agenda-${label}`, '/c/demo/agenda', label === 'desktop');
    await context.close();
  }
  // An organizer's second version: a few sessions moved, one retitled, one dropped.
  const org = await organizer(server.base, server.db);
  const doc = await (await fetch(`${server.base}/c/demo/schedule.json`)).json();
  let n = 0;
  for (const day of doc.schedule.conference.days) {
    for (const [room, events] of Object.entries(day.rooms)) {
      day.rooms[room] = events.filter(() => ++n % 61 !== 0);
      for (const e of day.rooms[room]) {
        if (n % 29 === 0) e.date = new Date(Date.parse(e.date) + 15 * 60_000).toISOString();
        if (n % 47 === 0) e.title = `${e.title} (updated)`;
      }
    }
  }
  doc.schedule.version = 'rev B';
  const body = JSON.stringify(doc);
  const r = await fetch(`${server.base}/api/v1/conferences/demo/schedule`, {
    method: 'POST', headers: { authorization: `Bearer ${org.token}`, 'content-type': 'application/json' }, body,
  });
  if (r.status !== 200) throw new Error(`import: ${r.status} ${await r.text()}`);
  const context = await browser.newContext(DESKTOP);
  const page = await context.newPage();
  await page.goto(`${server.base}/login?next=/c/demo/import`);
  await page.getByLabel('Email').fill(org.email);
  await page.getByLabel('Password').fill(org.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Import the schedule' }).waitFor();
  doc.schedule.conference.days[1].rooms[Object.keys(doc.schedule.conference.days[1].rooms)[0]].pop();
  await page.setInputFiles('input[name=file]', { name: 'harbor-days.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByRole('heading', { name: 'Dry run: nothing was stored' }).waitFor();
  await page.screenshot({ path: join(out, 'import-desktop.png'), fullPage: true });
  await shoot(page, 'changes-desktop', '/c/demo/changes', true);
  await shoot(page, 'organize-desktop', '/c/demo/organize');
  const day = (await (await fetch(`${server.base}/api/v1/conferences/demo`)).json()).days[1];
  await shoot(page, 'organize-sessions-desktop', `/c/demo/organize/sessions?day=${day}`);
  await page.locator('a.draft-session').nth(12).click();
  await page.waitForLoadState();
  await page.screenshot({ path: join(out, 'organize-session-desktop.png'), fullPage: true });
  // The venue: the dashboard, announcements, a running lab's machine pool, and a door on a
  // volunteer's phone (the demo's organizer may staff doors too).
  const conference = await (await fetch(`${server.base}/api/v1/conferences/demo`)).json();
  const sessions = await (await fetch(`${server.base}/api/v1/conferences/demo/sessions`)).json();
  const now = Date.now();
  const lab = sessions.find((s) => s.kind === 'lab' && Date.parse(s.starts_at) <= now && now < Date.parse(s.ends_at));
  await shoot(page, 'dashboard-desktop', '/c/demo/dashboard');
  await shoot(page, 'announcements-desktop', '/c/demo/announcements');
  if (lab) await shoot(page, 'machines-desktop', `/c/demo/sessions/${lab.id}/machines`);
  await context.close();
  const room = conference.rooms.find((r) => lab && r.name === lab.room) ?? conference.rooms[0];
  const phone = await browser.newContext(PHONE);
  const door = await phone.newPage();
  await door.goto(`${server.base}/login?next=/c/demo/rooms/${room.id}/door`);
  await door.getByLabel('Email').fill(org.email);
  await door.getByLabel('Password').fill(org.password);
  await door.getByRole('button', { name: 'Log in' }).click();
  await door.waitForURL(/\/door$/);
  await door.screenshot({ path: join(out, 'door-phone.png'), fullPage: true });
  await phone.close();
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
