// Regenerates docs/screenshots/: the main pages on a phone (390 px) and a desktop, logged
// out and logged in, from a fresh demo (400 attendees, so seats are taken and labs full).
// Run with `scripts/screenshots.sh` (it builds the release binary first).
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launch, signUp, overlappingTalks } from './tests/harness.mjs';

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
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await server.stop();
}
