/* LureLens content script. Runs with the page's origin, so it NEVER calls the local service:
 * it only messages the service worker, which holds the token.
 *
 *  - "check every link" (off by default): clicks on cross-site links are held in the capture phase
 *    and handed to the service worker, which checks the link and then navigates the tab itself
 *    (or shows the warning page). If the worker cannot answer, the link opens (fail-open).
 *  - "Scan this QR image": draws the already-loaded <img> to a canvas (no new request); when the
 *    canvas is tainted by a cross-origin image, returns the element's on-screen rectangle so the
 *    worker can crop a screenshot instead.
 *  - "Analyse this page": returns the rendered DOM (forms built by scripts included).
 *  - shows verdict toasts in a closed shadow root (text nodes only, never HTML from a report).
 */
(() => {
  "use strict";
  if (window.__lureLensContent) return;
  window.__lureLensContent = true;

  const ext = typeof browser !== "undefined" && browser.runtime ? browser : chrome;
  // Strings come from the service worker (it honours the language chosen in the options page).
  let strings = {};
  const t = (k) => {
    if (strings[k]) return strings[k];
    try {
      return ext.i18n.getMessage(k) || k;
    } catch (_e) {
      return k;
    }
  };

  let checkEveryLink = false;
  let lastContextTarget = null;

  function refreshConfig() {
    try {
      ext.runtime.sendMessage({ type: "content:config" }).then(
        (c) => {
          checkEveryLink = Boolean(c && c.checkEveryLink);
          strings = (c && c.strings) || {};
        },
        () => { checkEveryLink = false; },
      );
    } catch (_e) {
      checkEveryLink = false; // the extension was reloaded: this script is orphaned
    }
  }
  refreshConfig();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refreshConfig();
  });

  /* ------------------------------------------------------------ click capture */

  function linkOf(ev) {
    for (const n of ev.composedPath()) {
      if (n && (n.tagName === "A" || n.tagName === "AREA") && n.href) return n;
    }
    return null;
  }

  function opensNewTab(ev, a) {
    if (ev.button === 1 || ev.ctrlKey || ev.metaKey || ev.shiftKey) return true;
    const target = (a.getAttribute("target") || "").toLowerCase();
    return target !== "" && target !== "_self" && target !== "_top" && target !== "_parent";
  }

  function onClick(ev) {
    if (!checkEveryLink || !ev.isTrusted || ev.defaultPrevented) return;
    if (ev.button !== 0 && ev.button !== 1) return;
    const a = linkOf(ev);
    if (!a || a.hasAttribute("download")) return;
    let url;
    try {
      url = new URL(a.href, location.href);
    } catch (_e) {
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return;
    if (url.origin === location.origin) return; // the site's own links: not a lure hand-off
    // Capture phase on window, registered at document_start: before any handler of the page. Stop
    // the event here, so a page's own `onclick = () => location.href = a.href` never runs; the
    // worker also blocks the host in this tab until the verdict (a DNR session rule).
    ev.preventDefault();
    ev.stopImmediatePropagation();
    const newTab = opensNewTab(ev, a);
    const href = url.href;
    const pending = showPending();
    let answer;
    try {
      answer = ext.runtime.sendMessage({ type: "content:navigate", url: href, newTab });
    } catch (_e) {
      answer = Promise.reject(new Error("orphaned"));
    }
    answer.then(
      (ans) => {
        pending.remove();
        if (!ans || ans.error) location.assign(href); // fail-open, as the badge explains
      },
      () => {
        pending.remove();
        location.assign(href);
      },
    );
  }
  window.addEventListener("click", onClick, true);
  window.addEventListener("auxclick", onClick, true);

  /* ------------------------------------------------------------------- UI */

  const STYLE = `
    :host { all: initial; }
    .box { position: fixed; z-index: 2147483647; top: 12px; right: 12px; max-width: 380px;
      font: 14px/1.45 system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
      background: #fff; color: #1b1b1b; border: 2px solid #555; border-radius: 8px; padding: 12px 14px;
      box-shadow: 0 4px 18px rgba(0,0,0,.25); word-break: break-word; }
    .box.danger { border-color: #b3261e; } .box.caution { border-color: #9a6700; }
    .box.safe { border-color: #1e6b34; }
    .head { font-weight: 700; margin: 0 0 4px; }
    .lvl { display: inline-block; padding: 0 6px; border-radius: 4px; color: #fff; background: #555;
      margin-right: 6px; }
    .danger .lvl { background: #b3261e; } .caution .lvl { background: #9a6700; }
    .safe .lvl { background: #1e6b34; }
    ul { margin: 6px 0; padding-left: 18px; } code { font: 12px ui-monospace, monospace; }
    .link { margin: 6px 0; } .url { font: 12px ui-monospace, monospace; color: #444; }
    button { font: inherit; margin: 4px 6px 0 0; padding: 3px 10px; border-radius: 4px;
      border: 1px solid #555; background: #f4f4f4; color: #1b1b1b; cursor: pointer; }
    button:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 1px; }
    .pending { position: fixed; z-index: 2147483647; bottom: 12px; right: 12px; background: #1b1b1b;
      color: #fff; padding: 6px 12px; border-radius: 6px; font: 13px system-ui, sans-serif; }
  `;

  function mount(id) {
    const old = document.getElementById(id);
    if (old) old.remove();
    const host = document.createElement("lurelens-ui");
    host.id = id;
    const root = host.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    root.appendChild(style);
    (document.body || document.documentElement).appendChild(host);
    return { host, root };
  }

  // The same filter as LL.visible (common.js is not loaded in content scripts): control, zero-width
  // and text-direction characters become [U+XXXX] markers, so "\u202emoc.lapyap" cannot show reversed.
  const HIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
  const visible = (text) => String(text == null ? "" : text).replace(HIDDEN, (c) =>
    "[U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]");

  /** Every string the toast shows is created here: a text node, through the filter. */
  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = visible(text);
    return n;
  }

  function showPending() {
    const { host, root } = mount("lurelens-pending");
    const box = el("div", "pending", t("checking_link"));
    box.setAttribute("role", "status");
    root.appendChild(box);
    return host;
  }

  function showToast(data) {
    const { host, root } = mount("lurelens-toast");
    const box = el("div", "box " + (data.level || ""));
    box.setAttribute("role", data.level === "danger" ? "alert" : "status");
    box.dataset.level = data.level || "";
    const head = el("p", "head");
    if (data.levelLabel) head.appendChild(el("span", "lvl", data.levelLabel));
    head.appendChild(document.createTextNode(visible(data.title || "LureLens")));
    box.appendChild(head);
    if (data.error) box.appendChild(el("p", "error", data.error));
    if (data.summary) box.appendChild(el("p", "summary", data.summary));
    if (data.reasons && data.reasons.length) {
      const ul = el("ul");
      for (const r of data.reasons) {
        const li = el("li", "", r.message);
        if (r.evidence) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(el("code", "", r.evidence));
        }
        ul.appendChild(li);
      }
      box.appendChild(ul);
    }
    for (const p of data.payloads || []) {
      const d = el("p", "payload");
      d.appendChild(el("strong", "", t("decoded") + " "));
      d.appendChild(el("span", "url", p.display));
      if (p.explanation) d.appendChild(el("div", "", p.explanation));
      box.appendChild(d);
    }
    for (const l of data.links || []) {
      const row = el("div", "link " + (l.level || ""));
      row.appendChild(el("div", "url", l.url));
      const open = el("button", "open", t("open_checked"));
      open.addEventListener("click", () => {
        host.remove();
        ext.runtime.sendMessage({ type: "content:navigate", url: l.original || l.url, newTab: false });
      });
      row.appendChild(open);
      box.appendChild(row);
    }
    const close = el("button", "close", t("close"));
    close.addEventListener("click", () => host.remove());
    box.appendChild(close);
    root.appendChild(box);
    // Tests and assistive tech read the verdict from the light DOM host too.
    host.setAttribute("data-level", data.level || "");
    host.setAttribute("aria-label", visible([data.levelLabel, data.summary, data.error].filter(Boolean).join(" ")));
  }

  /* ------------------------------------------------------------ images */

  document.addEventListener("contextmenu", (ev) => { lastContextTarget = ev.target; }, true);

  function findImage(srcUrl) {
    const t0 = lastContextTarget;
    if (t0 && t0.tagName === "IMG" && (t0.currentSrc === srcUrl || t0.src === srcUrl)) return t0;
    for (const img of document.images) {
      if (img.currentSrc === srcUrl || img.src === srcUrl) return img;
    }
    return null;
  }

  /** The loaded image's pixels as a PNG data: URL, or null when the canvas is tainted. */
  function drawToDataUrl(img, maxSide) {
    const w0 = img.naturalWidth;
    const h0 = img.naturalHeight;
    if (!w0 || !h0) return null;
    const scale = Math.min(1, maxSide / Math.max(w0, h0));
    const w = Math.max(1, Math.round(w0 * scale));
    const h = Math.max(1, Math.round(h0 * scale));
    const c = document.createElement("canvas");
    c.width = w + 32; // a white quiet zone helps decoders with tightly cropped codes
    c.height = h + 32;
    const g = c.getContext("2d");
    g.fillStyle = "#fff";
    g.fillRect(0, 0, c.width, c.height);
    g.imageSmoothingEnabled = scale === 1 ? false : true;
    g.drawImage(img, 16, 16, w, h);
    try {
      return c.toDataURL("image/png");
    } catch (_e) {
      return null; // SecurityError: cross-origin image without CORS
    }
  }

  async function grabImage(msg) {
    const img = findImage(String(msg.srcUrl || ""));
    if (!img) return { error: "not_found" };
    if (!img.complete) {
      await new Promise((r) => { img.addEventListener("load", r, { once: true }); setTimeout(r, 3000); });
    }
    const dataUrl = drawToDataUrl(img, Number(msg.maxSide) || 2048);
    if (dataUrl) return { dataUrl };
    img.scrollIntoView({ block: "center", inline: "center" });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const b = img.getBoundingClientRect();
    return { rect: { x: b.left, y: b.top, w: b.width, h: b.height, dpr: window.devicePixelRatio || 1 } };
  }

  /* ------------------------------------------------------------ messages */

  ext.runtime.onMessage.addListener((msg, _sender, sendResponse) => {
    if (!msg || typeof msg.type !== "string") return false;
    if (msg.type === "content:toast") {
      showToast(msg);
      sendResponse({ ok: true });
      return false;
    }
    if (msg.type === "content:getHtml") {
      const max = Number(msg.max) || 2 * 1024 * 1024;
      const html = document.documentElement ? document.documentElement.outerHTML : "";
      sendResponse({ html: html.slice(0, max), url: location.href, truncated: html.length > max });
      return false;
    }
    if (msg.type === "content:grabImage") {
      grabImage(msg).then(sendResponse, (e) => sendResponse({ error: String(e) }));
      return true;
    }
    return false;
  });
})();
