// Hookrelay portal: small enhancements; every screen works without them.
"use strict";
(function () {
  // Times in the reader's own zone (the server writes UTC).
  for (const t of document.querySelectorAll("time[datetime]")) {
    const d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d)) { t.title = t.textContent; t.textContent = d.toLocaleString(); }
  }
  // Confirm before destructive or disruptive posts.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  }
  // Copy a secret.
  for (const b of document.querySelectorAll("button[data-copy]")) {
    b.addEventListener("click", async () => {
      const text = document.getElementById(b.dataset.copy).textContent;
      try { await navigator.clipboard.writeText(text); b.textContent = "Copied"; } catch (_) { b.textContent = "Select and copy"; }
    });
  }
  // The event-type picker: filter by text.
  for (const picker of document.querySelectorAll("[data-picker]")) {
    const search = picker.querySelector("[data-picker-search]");
    search.addEventListener("input", () => {
      const q = search.value.trim().toLowerCase();
      for (const item of picker.querySelectorAll("[data-item]")) item.hidden = q !== "" && !item.dataset.item.toLowerCase().includes(q);
      for (const group of picker.querySelectorAll("[data-group]")) group.hidden = !group.querySelector("[data-item]:not([hidden])");
    });
  }
  // The test event: show the chosen type's example payload.
  for (const select of document.querySelectorAll("select[data-examples]")) {
    const area = select.form.querySelector("textarea[name=payload]");
    select.addEventListener("change", () => { area.value = select.selectedOptions[0].dataset.example || ""; });
  }
  // A page whose state is still moving (a fresh test event, a running recovery) reloads itself.
  const moving = document.querySelector("[data-refresh='on']");
  if (moving) setTimeout(() => window.location.reload(), 2000);
  // Live tail of the delivery log: refresh the rows of the current filters.
  const live = document.querySelector("[data-live-tail]");
  if (live) {
    if (live.dataset.liveTail === "off") live.disabled = true;
    let timer = null;
    const refresh = async () => {
      const url = new URL(window.location.href);
      url.searchParams.set("fragment", "rows");
      const answer = await fetch(url, { credentials: "same-origin" });
      if (answer.ok) document.getElementById("log-rows").innerHTML = await answer.text();
    };
    live.addEventListener("change", () => {
      if (live.checked) { refresh(); timer = setInterval(refresh, 3000); } else { clearInterval(timer); }
    });
  }
})();
