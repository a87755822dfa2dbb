// The organizer dashboard (issue #10): door counts move the room bars as they arrive on the
// live stream (live.js updates the numbers); the tables and the other charts are read again
// a few seconds after any seat or door change (at most one read per 3 s however busy the
// event is), and every 30 s in any case. The door rules form is outside what is replaced,
// so nothing typed there is lost.
(() => {
  "use strict";
  const root = document.getElementById("dashboard");
  if (!root) return;
  document.addEventListener("hallway:occupancy", (e) => {
    const d = e.detail;
    const bar = root.querySelector(`[data-bar-for="${d.room}"]`);
    if (bar && d.capacity) {
      bar.setAttribute("width", String(Math.round((Math.min(d.occupancy, d.capacity) * 300) / d.capacity)));
      bar.classList.toggle("bar-full", d.occupancy >= d.capacity);
    }
    soon();
  });
  document.addEventListener("hallway:seats", () => soon());
  const refresh = async () => {
    try {
      const r = await fetch(location.pathname, { headers: { Accept: "text/html" } });
      if (!r.ok) return;
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const fresh = doc.getElementById("dashboard");
      if (fresh) {
        root.replaceChildren(...fresh.childNodes);
        root.dataset.refreshed = String(Date.now());
      }
    } catch (_) {
      // Offline: try again at the next change or tick.
    }
  };
  let pending = null;
  const soon = () => {
    if (pending) return;
    pending = setTimeout(async () => {
      await refresh();
      pending = null;
    }, 3000);
  };
  setInterval(refresh, 30000);
})();
