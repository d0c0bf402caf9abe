// The index page: its list is fetched again when the project changes.
"use strict";
(() => {
  const status = document.getElementById("status");
  const events = new EventSource("/_events/");
  let seen = null;
  events.onmessage = async (event) => {
    const message = JSON.parse(event.data);
    if (seen !== null && message.index !== seen) {
      const response = await fetch("/", { cache: "no-store" });
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        document.getElementById("index").replaceWith(fresh.getElementById("index"));
      }
    }
    seen = message.index;
    status.textContent = "live";
    status.dataset.state = "ok";
  };
  events.onerror = () => {
    status.textContent = "reconnecting";
    status.dataset.state = "offline";
  };
})();
