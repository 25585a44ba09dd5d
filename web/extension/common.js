/* LureLens shared helpers for the service worker and the extension pages (never content scripts).
 *
 * Loaded by sw.js through importScripts (Chrome) or listed before it in background.scripts (Firefox),
 * and by <script src="common.js"> in warning.html, popup.html and options.html.
 * Everything here is pure or only touches the DOM it is given: no API calls, no storage.
 */
"use strict";

(function (root) {
  const ext = root.browser && root.browser.runtime ? root.browser : root.chrome;

  const LEVELS = ["unknown", "safe", "caution", "danger"];

  // The user may pick the language in the options page (uiLang: auto | zh | en); headless and some
  // builds ship only the en-US UI locale, so the override loads _locales/*/messages.json itself.
  let override = null;

  // Host access the extension needs (Firefox lets the user refuse or revoke it at any time).
  const HOST_ORIGINS = ["http://127.0.0.1/*", "<all_urls>"];

  /** False when the user revoked host access (Firefox); true where browsers cannot revoke it. */
  async function hostAccess() {
    if (!ext.permissions || !ext.permissions.contains) return true;
    try {
      return await ext.permissions.contains({ origins: HOST_ORIGINS });
    } catch (_e) {
      return true;
    }
  }

  /** Load the language override; call (and await) once before rendering. */
  async function init() {
    let uiLang = "auto";
    try {
      uiLang = (await ext.storage.local.get({ uiLang: "auto" })).uiLang;
    } catch (_e) {
      uiLang = "auto";
    }
    override = null;
    if (uiLang === "zh" || uiLang === "en") {
      try {
        const file = uiLang === "zh" ? "zh_CN" : "en";
        const resp = await fetch(ext.runtime.getURL("_locales/" + file + "/messages.json"));
        override = { lang: uiLang, msgs: await resp.json() };
      } catch (_e) {
        override = null;
      }
    }
  }

  /** "zh" or "en": the UI language, which also picks the side of the report's {en, zh}. */
  function lang() {
    if (override) return override.lang;
    try {
      const ui = ext.i18n.getUILanguage() || "";
      return ui.toLowerCase().startsWith("zh") ? "zh" : "en";
    } catch (_e) {
      return "en";
    }
  }

  /** A message from _locales, with a visible fallback so a missing key is noticed, never blank. */
  function t(key, subs) {
    let s = "";
    if (override) {
      const m = override.msgs[key];
      const list = subs === undefined ? [] : Array.isArray(subs) ? subs : [subs];
      s = m ? m.message.replace(/\$([1-9])/g, (_x, d) => (list[Number(d) - 1] ?? "")) : "";
    } else {
      try {
        s = ext.i18n.getMessage(key, subs);
      } catch (_e) {
        s = "";
      }
    }
    return visible(s || key);
  }

  /** The side of a {en, zh} message for the UI language; tolerates plain strings and nulls. */
  function pick(msg) {
    if (!msg) return "";
    if (typeof msg === "string") return visible(msg);
    const l = lang();
    return visible(msg[l] || msg.en || msg.zh || "");
  }

  function levelRank(level) {
    const i = LEVELS.indexOf(level);
    return i < 0 ? 0 : i;
  }

  function levelLabel(level) {
    return t("level_" + (LEVELS.includes(level) ? level : "unknown"));
  }

  /** Only http(s) URLs are ever navigated to, checked or put into rules. */
  function isWebUrl(u) {
    try {
      const p = new URL(u);
      return p.protocol === "http:" || p.protocol === "https:";
    } catch (_e) {
      return false;
    }
  }

  function hostOf(u) {
    try {
      return new URL(u).hostname.toLowerCase();
    } catch (_e) {
      return "";
    }
  }

  /** The blocked URL carried after the first "#" of warning.html (the DNR rule appends \0 there). */
  function urlFromHash(hash) {
    const raw = (hash || "").replace(/^#/, "");
    if (isWebUrl(raw)) return raw;
    try {
      const dec = decodeURIComponent(raw);
      if (isWebUrl(dec)) return dec;
    } catch (_e) {
      /* fall through */
    }
    return "";
  }

  /** The block-list entry covering host (itself or a parent domain), as DNR requestDomains match. */
  function matchDomain(host, domains) {
    if (!host || !domains) return "";
    const set = domains instanceof Set ? domains : new Set(domains);
    let h = host.toLowerCase().replace(/\.$/, "");
    for (;;) {
      if (set.has(h)) return h;
      const i = h.indexOf(".");
      if (i < 0) return "";
      h = h.slice(i + 1);
    }
  }

  /**
   * Split a URL into three parts for display: [before, registrable domain, after].
   * When the registrable domain is unknown or not found in the host, the host is the middle part.
   */
  function splitUrl(url, registrable) {
    let p;
    try {
      p = new URL(url);
    } catch (_e) {
      return [url, "", ""];
    }
    const host = p.hostname;
    const start = url.indexOf(host, p.protocol.length);
    if (start < 0) return [url, "", ""];
    let dom = (registrable || "").toLowerCase();
    let off = dom && host.toLowerCase().endsWith(dom) ? host.length - dom.length : -1;
    if (off < 0 || (off > 0 && host[off - 1] !== ".")) {
      dom = host;
      off = 0;
    }
    const a = start + off;
    return [url.slice(0, a), url.slice(a, a + dom.length), url.slice(a + dom.length)];
  }

  // Control, zero-width and text-direction characters: "invoice<U+202E>gnp.exe" would display as
  // "invoiceexe.png". Shown as visible [U+XXXX] markers wherever report text meets the page.
  const HIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

  /** text with hidden characters made visible. */
  function visible(text) {
    return String(text == null ? "" : text).replace(HIDDEN, (c) =>
      "[U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]");
  }

  /**
   * Every string an extension page shows goes in through here (or renderUrl/renderReasons): text
   * nodes only, hidden characters as markers, whatever the string's source.
   */
  function setText(el, text) {
    el.textContent = visible(text);
  }

  /** Fill el with the URL, the registrable domain in <strong>, the rest muted (text nodes only). */
  function renderUrl(el, url, registrable) {
    const [before, dom, after] = splitUrl(url, registrable);
    el.textContent = "";
    const mk = (tag, cls, text) => {
      const n = document.createElement(tag);
      if (cls) n.className = cls;
      n.textContent = visible(text);
      el.appendChild(n);
    };
    mk("span", "muted", before);
    mk("strong", "domain", dom);
    mk("span", "muted", after);
  }

  /** Lure category chips known to the UI; codes name them (e.g. lure.part_time, text.free_gift). */
  const CATEGORY_HINTS = [
    ["part_time", "cat_part_time"],
    ["parttime", "cat_part_time"],
    ["commission", "cat_part_time"],
    ["free_gift", "cat_free_gift"],
    ["gift", "cat_free_gift"],
    ["points", "cat_points"],
    ["flash_sale", "cat_flash_sale"],
    ["seckill", "cat_flash_sale"],
    ["loan", "cat_loan"],
    ["phishing", "cat_phishing"],
    ["malware", "cat_malware"],
    ["scam", "cat_scam"],
    ["fraud", "cat_scam"],
  ];

  /** Category chips for a list of reasons (a reason's own `category` wins over its code). */
  function categories(reasons) {
    const out = [];
    for (const r of reasons || []) {
      let key = "";
      const own = (r.category || "").toLowerCase();
      const code = (r.code || "").toLowerCase();
      for (const [needle, msg] of CATEGORY_HINTS) {
        if ((own && own.includes(needle)) || code.includes(needle)) {
          key = msg;
          break;
        }
      }
      const label = key ? t(key) : own;
      if (label && !out.includes(label)) out.push(label);
    }
    return out;
  }

  /** The link report that decided the verdict: the worst one, preferring the one for `url`. */
  function mainLink(report, url) {
    const links = (report && report.links) || [];
    if (!links.length) return null;
    let best = links[0];
    for (const l of links) {
      if (levelRank(l.level) > levelRank(best.level)) best = l;
    }
    if (url) {
      const same = links.find((l) => l.url === url || l.original === url);
      if (same && levelRank(same.level) >= levelRank(best.level)) return same;
    }
    return best;
  }

  /** Reasons to show, worst first: the report's own plus the main link's, without duplicates. */
  function allReasons(report, link) {
    const seen = new Set();
    const out = [];
    const sev = { high: 3, medium: 2, low: 1, info: 0 };
    for (const r of [...((link && link.reasons) || []), ...((report && report.reasons) || [])]) {
      const k = (r.code || "") + "\u0000" + (r.evidence || "");
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(r);
    }
    out.sort((a, b) => (sev[b.severity] || 0) - (sev[a.severity] || 0));
    return out;
  }

  /** Render a list of reasons into a <ul> (message + evidence), using text nodes only. */
  function renderReasons(ul, reasons, max) {
    ul.textContent = "";
    for (const r of reasons.slice(0, max || 50)) {
      const li = document.createElement("li");
      li.className = "reason sev-" + (r.severity || "info");
      const m = document.createElement("span");
      m.className = "reason-msg";
      m.textContent = visible(pick(r.message) || r.code || "");
      li.appendChild(m);
      if (r.evidence) {
        const ev = document.createElement("code");
        ev.className = "evidence";
        ev.textContent = visible(r.evidence);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(ev);
      }
      ul.appendChild(li);
    }
  }

  /** Apply data-i18n / data-i18n-title / data-i18n-placeholder attributes of a page. */
  function localizePage(doc) {
    doc.documentElement.lang = lang() === "zh" ? "zh-CN" : "en";
    for (const el of doc.querySelectorAll("[data-i18n]")) setText(el, t(el.dataset.i18n));
    for (const el of doc.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
    for (const el of doc.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    for (const el of doc.querySelectorAll("[data-i18n-aria]")) {
      el.setAttribute("aria-label", t(el.dataset.i18nAria));
    }
  }

  /** Send a message to the service worker; resolves with its answer or {error}, never rejects. */
  async function send(msg) {
    try {
      const answer = await ext.runtime.sendMessage(msg);
      return answer || {};
    } catch (e) {
      return { error: { code: "no_answer", message: String((e && e.message) || e) } };
    }
  }

  root.LL = {
    ext,
    HOST_ORIGINS,
    hostAccess,
    init,
    lang,
    t,
    pick,
    levelRank,
    levelLabel,
    isWebUrl,
    hostOf,
    urlFromHash,
    matchDomain,
    splitUrl,
    renderUrl,
    visible,
    setText,
    categories,
    mainLink,
    allReasons,
    renderReasons,
    localizePage,
    send,
  };
})(typeof self !== "undefined" ? self : this);
