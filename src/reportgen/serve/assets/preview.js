// The live preview page: the document in a frame, swapped in place when it changes.
// The frame keeps its window (and so its scroll position): only its head and body are
// replaced. Problems and warnings are written as text, never as HTML.
"use strict";
(() => {
  const script = document.currentScript;
  const key = script.dataset.key;
  const paper = script.dataset.paper || "a4";
  const frame = document.getElementById("document");
  const errors = document.getElementById("errors");
  const warnings = document.getElementById("warnings");
  const status = document.getElementById("status");
  const base = "/" + encodeURIComponent(key);
  const screenCss = fetch("/_static/page.css").then((response) => response.text());
  let shown = script.dataset.version ? Number(script.dataset.version) : -1;
  let work = Promise.resolve();

  function lines(list, items) {
    list.replaceChildren(...items.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
  }

  function frameLoaded() {
    const doc = frame.contentDocument;
    if (doc && doc.readyState === "complete" && doc.URL !== "about:blank") {
      return Promise.resolve();
    }
    return new Promise((done) => frame.addEventListener("load", done, { once: true }));
  }

  // Screen styles for the print page: a sheet of paper, and a mark where the print
  // stylesheet breaks the page.
  function decorate(doc, css) {
    const style = doc.createElement("style");
    style.id = "reportgen-preview";
    style.textContent = css;
    doc.head.append(style);
    doc.documentElement.dataset.rgPaper = paper;
    const view = doc.defaultView;
    for (const element of doc.body.querySelectorAll("*")) {
      const computed = view.getComputedStyle(element);
      if (computed.breakBefore === "page") element.before(pageBreak(doc));
      if (computed.breakAfter === "page") element.after(pageBreak(doc));
    }
  }

  function pageBreak(doc) {
    const mark = doc.createElement("div");
    mark.className = "rg-page-break";
    mark.setAttribute("aria-hidden", "true");
    return mark;
  }

  async function swap(version) {
    const response = await fetch(base + ".html", { cache: "no-store" });
    if (!response.ok) return;
    const text = await response.text();
    const css = await screenCss;
    const doc = frame.contentDocument;
    if (!frame.getAttribute("src") || !doc || !doc.body) {
      frame.setAttribute("src", base + ".html");
      await frameLoaded();
      decorate(frame.contentDocument, css);
    } else {
      const view = frame.contentWindow;
      const x = view.scrollX;
      const y = view.scrollY;
      // parsed in the frame's own window, so that the document's policy applies to it
      const fresh = new view.DOMParser().parseFromString(text, "text/html");
      for (const { name, value } of fresh.documentElement.attributes) {
        doc.documentElement.setAttribute(name, value);
      }
      doc.documentElement.replaceChild(doc.adoptNode(fresh.head), doc.head);
      doc.documentElement.replaceChild(doc.adoptNode(fresh.body), doc.body);
      decorate(doc, css);
      view.scrollTo(x, y);
    }
    shown = version;
  }

  async function update(state) {
    if (state.status === "ok") {
      if (state.version !== shown) await swap(state.version);
      errors.hidden = true;
    } else if (state.status === "error") {
      lines(errors.querySelector("ol"), state.errors);
      errors.hidden = false;
    } else if (state.status === "gone") {
      lines(errors.querySelector("ol"), ["This document is no longer in the project."]);
      errors.hidden = false;
    }
    const count = state.warnings.length;
    warnings.querySelector("summary").textContent = `${count} warning${count === 1 ? "" : "s"}`;
    lines(warnings.querySelector("ul"), state.warnings);
    warnings.hidden = count === 0;
    status.textContent = state.status === "ok" ? "live" : state.status;
    status.dataset.state = state.status;
    document.body.dataset.version = String(shown);
  }

  if (frame.getAttribute("src")) {
    work = Promise.all([frameLoaded(), screenCss]).then(([, css]) => {
      decorate(frame.contentDocument, css);
      document.body.dataset.version = String(shown);
    });
  }
  // A browser keeps a few connections per server: only a page in view holds one (its
  // first message on coming back brings it up to date).
  let events = null;
  function listen() {
    events = new EventSource("/_events/" + encodeURIComponent(key));
    events.onmessage = (event) => {
      const state = JSON.parse(event.data);
      work = work.then(() => update(state)).catch((error) => console.error(error));
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
