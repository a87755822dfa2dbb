// The organizer dashboard (issue #10): door counts move the room bars as they arrive on the
// live stream (live.js updates the numbers); everything else is read again every 30 s.
(() => {
  "use strict";
  const root = document.getElementById("dashboard");
  if (!root) return;
  document.addEventListener("hallway:occupancy", (e) => {
    const d = e.detail;
    const bar = root.querySelector(`[data-bar-for="${d.room}"]`);
    if (!bar || !d.capacity) return;
    bar.setAttribute("width", String(Math.round((Math.min(d.occupancy, d.capacity) * 300) / d.capacity)));
    bar.classList.toggle("bar-full", d.occupancy >= d.capacity);
  });
  setInterval(async () => {
    try {
      const r = await fetch(location.href, { headers: { Accept: "text/html" } });
      if (!r.ok) return;
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const fresh = doc.getElementById("dashboard");
      if (fresh) root.replaceChildren(...fresh.childNodes);
    } catch (_) {
      // Offline: try again at the next tick.
    }
  }, 30000);
})();
