// The index page: its list is fetched again when the project changes.
"use strict";
(() => {
  const status = document.getElementById("status");
  let events = null;

  async function refresh() {
    const response = await fetch("/", { cache: "no-store" });
    if (response.ok) {
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      document.getElementById("index").replaceWith(fresh.getElementById("index"));
    }
  }

  // only a page in view holds a connection (a browser keeps a few per server)
  function listen() {
    events = new EventSource("/_events/");
    events.onmessage = async (event) => {
      const message = JSON.parse(event.data);
      const shown = Number(document.getElementById("index").dataset.version);
      if (message.index !== shown) await refresh();
      status.textContent = "live";
      status.dataset.state = "ok";
    };
    events.onerror = () => {
      status.textContent = "reconnecting";
      status.dataset.state = "offline";
    };
  }
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && events) {
      events.close();
      events = null;
    } else if (!document.hidden && !events) {
      listen();
    }
  });
  if (!document.hidden) listen();
})();
