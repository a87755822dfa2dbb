// The door page (issue #10): answers at once without reloading, and scans badge QR codes
// with the phone's camera where the browser has BarcodeDetector. Without JavaScript the
// form posts and the page shows the answer.
(() => {
  "use strict";
  const door = document.querySelector("[data-door-room]");
  if (!door) return;
  const room = door.dataset.doorRoom;
  const slug = door.dataset.slug;
  const form = document.getElementById("door-form");
  const input = document.getElementById("door-code");
  const answer = document.getElementById("door-answer");
  const count = door.querySelector("[data-occupancy-for]");

  const show = (ok, text, name) => {
    answer.className = `door-answer ${ok ? "door-admit" : "door-refuse"}`;
    answer.replaceChildren();
    const strong = document.createElement("strong");
    strong.textContent = `${ok ? "✔" : "✖"} ${text}`;
    answer.appendChild(strong);
    if (name) {
      const span = document.createElement("span");
      span.textContent = name;
      answer.appendChild(span);
    }
  };

  let busy = false;
  const check = async (code) => {
    if (busy || !code) return;
    busy = true;
    const direction = form.querySelector('input[name="direction"]:checked').value;
    try {
      const r = await fetch(`/api/v1/conferences/${encodeURIComponent(slug)}/rooms/${room}/door`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ code, direction }),
      });
      const d = await r.json();
      if (r.ok) {
        show(d.admitted, d.message, d.name);
        count.textContent = String(d.occupancy);
      } else {
        show(false, d.detail || "Not a badge code");
      }
    } catch (_) {
      show(false, "No connection; try again");
    } finally {
      busy = false;
      input.value = "";
      input.focus();
    }
  };

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    check(input.value.trim());
  });

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  const button = document.getElementById("door-camera");
  const video = document.getElementById("door-video");
  button.hidden = false;
  let last = "";
  let lastAt = 0;
  button.addEventListener("click", async () => {
    try {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      button.hidden = true;
      await video.play();
      const tick = async () => {
        try {
          const codes = await detector.detect(video);
          const now = Date.now();
          // The same badge held in front of the camera is one scan, not one per frame.
          if (codes.length && (codes[0].rawValue !== last || now - lastAt > 4000)) {
            last = codes[0].rawValue;
            lastAt = now;
            await check(last);
          }
        } catch (_) {
          // A frame that cannot be read; the next one may.
        }
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    } catch (_) {
      show(false, "No camera; type the code");
    }
  });
})();
