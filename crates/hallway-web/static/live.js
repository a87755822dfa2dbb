// hallway live updates: seat counts and door counts change in place, and reminders, waitlist
// promotions, schedule releases and announcements appear as toasts, from the conference's Server-Sent Events stream. Pages work without it.
(() => {
  "use strict";
  const slug = document.body.dataset.conference;
  if (!slug || !("EventSource" in window)) return;

  const region = document.createElement("div");
  region.className = "toasts";
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  document.body.appendChild(region);

  const toast = (text, kind, link) => {
    const el = document.createElement("div");
    el.className = `toast toast-${kind}`;
    el.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      el.append(" ", a);
    }
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", () => el.remove());
    el.appendChild(close);
    region.appendChild(el);
    setTimeout(() => el.remove(), 15000);
  };

  // The page says where its data stood (the event position when it was made): the stream
  // starts there, so what changed in between arrives too. Reconnections send Last-Event-ID.
  const after = document.body.dataset.liveAfter;
  const query = after ? `?after=${encodeURIComponent(after)}` : "";
  const source = new EventSource(`/api/v1/conferences/${encodeURIComponent(slug)}/live${query}`);
  // Lets tests (and styles) know when live updates are flowing.
  const showSeats = (session, text, state) => {
    document.querySelectorAll(`[data-seats-for="${session}"]`).forEach((el) => {
      el.textContent = text;
      el.className = `seats seats-${state}`;
    });
  };
  // Events may have been missed (the stream dropped, or the server lost its link to the
  // other instances): read every seat count again and show it in place.
  const reloadSeats = async () => {
    if (!document.querySelector("[data-seats-for]")) return;
    try {
      const r = await fetch(`/api/v1/conferences/${encodeURIComponent(slug)}/sessions`, {
        headers: { Accept: "application/json" },
      });
      if (!r.ok) return;
      for (const s of await r.json()) showSeats(s.id, s.seats_text, s.seat_state);
    } catch (_) {
      // Offline: the next event or reconnection tries again.
    }
  };
  let dropped = false;
  source.addEventListener("open", () => {
    document.body.dataset.live = "open";
    if (dropped) reloadSeats();
    dropped = false;
  });
  source.addEventListener("error", () => {
    document.body.dataset.live = "retrying";
    dropped = true;
  });
  source.addEventListener("seats", (e) => {
    const d = JSON.parse(e.data);
    showSeats(d.session, d.text, d.state);
    document.dispatchEvent(new CustomEvent("hallway:seats", { detail: d }));
  });
  const agenda = { href: `/c/${encodeURIComponent(slug)}/agenda`, text: "My agenda" };
  source.addEventListener("promoted", (e) => toast(JSON.parse(e.data).message, "promoted", agenda));
  source.addEventListener("reminder", (e) => toast(JSON.parse(e.data).message, "reminder"));
  source.addEventListener("resync", reloadSeats);
  // Doors and the dashboard: every door of a room shows the same count.
  source.addEventListener("occupancy", (e) => {
    const d = JSON.parse(e.data);
    document.querySelectorAll(`[data-occupancy-for="${d.room}"]`).forEach((el) => {
      el.textContent = String(d.occupancy);
    });
    document.dispatchEvent(new CustomEvent("hallway:occupancy", { detail: d }));
  });
  // A release: everybody hears of the new version; attendees whose sessions it changed
  // hear what happened to theirs.
  const program = { href: `/c/${encodeURIComponent(slug)}/program`, text: "The program" };
  source.addEventListener("released", (e) => {
    toast(JSON.parse(e.data).message, "released", program);
    reloadSeats();
  });
  source.addEventListener("session_changed", (e) => toast(JSON.parse(e.data).message, "changed", agenda));
  const points = { href: `/c/${encodeURIComponent(slug)}/points`, text: "My points" };
  source.addEventListener("points", (e) => {
    const d = JSON.parse(e.data);
    document.querySelectorAll("[data-points-total]").forEach((el) => {
      el.textContent = String(d.total);
    });
    toast(d.message, "points", points);
  });
  const feed = { href: `/c/${encodeURIComponent(slug)}/announcements`, text: "All announcements" };
  source.addEventListener("announcement", (e) => toast(JSON.parse(e.data).text, "announcement", feed));
})();
