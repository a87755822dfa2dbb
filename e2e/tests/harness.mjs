// Test harness: runs the real hallway binary on a free port with a fresh database, and
// Debian's Chromium through playwright-core (no browser download: /usr/bin/chromium).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.HALLWAY_BIN ?? join(here, '..', '..', 'target', 'debug', 'hallway');
const AXE = readFileSync(join(here, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

const FAST = {
  HALLWAY_ARGON2_MEMORY_KIB: '64',
  HALLWAY_ARGON2_PASSES: '1',
  HALLWAY_REMINDER_TICK_MS: '200',
  HALLWAY_LOG: 'warn',
};

/** Starts `hallway demo` on port 0; resolves to { base, db, stop }. */
export async function startServer({ attendees = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hallway-e2e-'));
  const db = `sqlite://${join(dir, 'hallway.db')}`;
  const child = spawn(BIN, ['demo', '--db', db, '--listen', '127.0.0.1:0', '--attendees', String(attendees)], {
    env: { ...process.env, ...FAST },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hallway did not start: ${out}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/hallway is serving at (http:\/\/[^\s]+?)\/?\n/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`hallway exited with ${code}: ${out}`)));
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
  return { base, db, stop };
}

/** Launches headless Chromium with the flags this workplace needs. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

/** Runs axe-core on the page; fails on any serious or critical violation. */
export async function assertAccessible(page, label) {
  // Evaluated through the DevTools protocol: the pages' Content-Security-Policy refuses
  // inline scripts, and must keep doing so while the test looks at them.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')})`);
  });
  assert.deepEqual(violations, [], `axe on ${label}:\n${violations.join('\n')}`);
}

let counter = 0;
/** Signs up through the page; leaves the page logged in at `next`. */
export async function signUp(page, base, name, next = '/') {
  const email = `e2e-${Date.now()}-${counter++}@example.org`;
  await page.goto(`${base}/signup?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  return email;
}

/** An organizer of the demo conference (made with `hallway user add`); resolves to a token. */
export async function organizerToken(base, db) {
  return (await organizer(base, db)).token;
}

/** An organizer of the demo conference; resolves to { email, password, token }. */
export async function organizer(base, db) {
  const email = `org-${Date.now()}-${counter++}@example.org`;
  const r = spawnSync(BIN, ['user', 'add', '--db', db, '--email', email, '--role', 'organizer', '--conference', 'demo'], {
    input: 'organizer password\n',
    env: { ...process.env, ...FAST },
  });
  assert.equal(r.status, 0, String(r.stderr));
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'organizer password' }),
  });
  assert.equal(res.status, 200);
  return { email, password: 'organizer password', token: (await res.json()).token };
}

/** JSON from the API. */
export async function api(base, path, { method = 'GET', token, body } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Two talks on day two that overlap each other. */
export async function overlappingTalks(base) {
  const conf = (await api(base, '/api/v1/conferences/demo')).body;
  const talks = (await api(base, `/api/v1/conferences/demo/sessions?day=${conf.days[1]}&kind=talk`)).body;
  const a = talks[0];
  const b = talks.find((s) => s.starts_at === a.starts_at && s.id !== a.id);
  return { a, b, day: conf.days[1] };
}
