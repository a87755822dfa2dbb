// In-place agenda actions: add, remove, join a waitlist and resolve a conflict without a page
// load, through the JSON API. Without JavaScript the same forms post to the server, which
// answers with a page; this file only improves on that.
(() => {
  "use strict";
  const slug = document.body.dataset.conference;
  if (!slug || !window.fetch || !window.HTMLDialogElement) return;

  const labels = (form) => ({
    add: form.dataset.labelAdd || "Add to my agenda",
    remove: form.dataset.labelRemove || "Remove from my agenda",
    leave: form.dataset.labelLeave || "Leave the waitlist",
    waitlist: form.dataset.labelWaitlist || "Join the waitlist",
  });

  const render = (form, id, state, position) => {
    const button = form.querySelector("button[name=action]");
    const l = labels(form);
    if (state === "reserved") Object.assign(button, { value: "remove", textContent: l.remove, className: `${button.className.replace(/\bsecondary\b/, "")} secondary`.trim() });
    if (state === "waitlisted") Object.assign(button, { value: "remove", textContent: l.leave, className: `${button.className.replace(/\bsecondary\b/, "")} secondary`.trim() });
    if (state === "none") Object.assign(button, { value: "add", textContent: l.add, className: button.className.replace(/\bsecondary\b/, "").trim() });
    document.querySelectorAll(`[data-mine-for="${id}"]`).forEach((el) => {
      el.textContent = state === "reserved" ? "✓ In your agenda"
        : state === "waitlisted" ? `On the waitlist, position ${position}` : "";
    });
    button.focus();
  };

  const dialog = ({ heading, text, items = [], actions }) => {
    const d = document.createElement("dialog");
    d.className = "agenda-dialog";
    d.setAttribute("aria-labelledby", "agenda-dialog-heading");
    const h = document.createElement("h2");
    h.id = "agenda-dialog-heading";
    h.textContent = heading;
    const p = document.createElement("p");
    p.textContent = text;
    d.append(h, p);
    if (items.length) {
      const ul = document.createElement("ul");
      items.forEach((t) => { const li = document.createElement("li"); li.textContent = t; ul.append(li); });
      d.append(ul);
    }
    const row = document.createElement("div");
    row.className = "actions";
    actions.forEach(({ label, run, secondary }) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      if (secondary) b.className = "secondary";
      b.addEventListener("click", async () => { d.close(); d.remove(); if (run) await run(); });
      row.append(b);
    });
    d.append(row);
    d.addEventListener("cancel", () => d.remove());
    document.body.append(d);
    d.showModal();
  };

  const when = (s) => {
    // Times in the conference's zone, like every page shows them.
    const timeZone = document.body.dataset.timeZone || undefined;
    const t = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone });
    return `${s.title} (${t(s.starts_at)}–${t(s.ends_at)}, ${s.room.name})`;
  };

  // Anything this script does not handle goes to the server as a plain form post.
  const fallback = (form, action) => {
    const input = document.createElement("input");
    Object.assign(input, { type: "hidden", name: "action", value: action });
    form.append(input);
    HTMLFormElement.prototype.submit.call(form);
  };

  const act = async (form, id, action, replace = []) => {
    const url = `/api/v1/conferences/${encodeURIComponent(slug)}/agenda/${id}`;
    const init = action === "remove"
      ? { method: "DELETE" }
      : { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ waitlist: action === "waitlist", replace }) };
    let res;
    try {
      res = await fetch(url, { ...init, credentials: "same-origin" });
    } catch {
      return fallback(form, action);
    }
    if (res.status === 200 || res.status === 201) return render(form, id, "reserved");
    if (res.status === 202) return render(form, id, "waitlisted", (await res.json()).position);
    if (res.status === 204) return render(form, id, "none");
    const problem = await res.json().catch(() => ({}));
    const kind = String(problem.type || "").split("/").pop();
    if (kind === "conflict") {
      return dialog({
        heading: "It overlaps your agenda",
        text: "You already have a seat at the same time. Replace it with this session (both changes happen together, or neither), or keep your agenda.",
        items: (problem.conflicts || []).map(when),
        actions: [
          { label: "Replace with this session", run: () => act(form, id, "add", (problem.conflicts || []).map((c) => c.id)) },
          { label: "Keep my agenda", secondary: true },
        ],
      });
    }
    if (kind === "full") {
      return dialog({
        heading: "This session is full",
        text: "Every seat is taken. Join the waitlist: when a seat frees up, the first person waiting without an overlapping session gets it, and you are told.",
        actions: [
          { label: "Join the waitlist", run: () => act(form, id, "waitlist") },
          { label: "Never mind", secondary: true },
        ],
      });
    }
    return fallback(form, action);
  };

  document.querySelectorAll("form[data-agenda]").forEach((form) => {
    form.addEventListener("submit", (e) => {
      const action = e.submitter && e.submitter.value;
      if (!action) return;
      e.preventDefault();
      act(form, form.dataset.agenda, action);
    });
  });
})();
