/* LureLens service worker (Chrome) / background script (Firefox).
 *
 * The ONLY part of the extension that talks to the local service, with the token from
 * chrome.storage.local. Content scripts and extension pages send it messages.
 *
 * Jobs:
 *  - pairing state, a badge when the service is down or the token is wrong, gentle retries
 *    (at most one attempt per RETRY_MS while the service is down or refuses the token);
 *  - declarativeNetRequest rules built from GET /api/v1/lists/rules: known-bad destinations are
 *    redirected to warning.html#<url> before any request leaves the browser;
 *  - link checks for the "check every link" click capture, the context menus and the popup;
 *  - "Scan this QR image": the image already loaded in the page is drawn to a canvas by the
 *    content script (or cropped from captureVisibleTab when the canvas is cross-origin tainted)
 *    and sent as base64 to POST /api/v1/scan; the service never fetches the image again.
 *  - the documented fallback when DNR is unusable: webNavigation.onBeforeNavigate + tabs.update
 *    (this lets one request reach the destination: see docs/extension.md).
 *
 * Split in three classic scripts sharing one global scope: rules.js (declarativeNetRequest rules),
 * menus.js (context menus, QR images, the on-page panel) and this file (state, API, messages,
 * lifecycle). Chrome loads them with importScripts below; Firefox's event page lists them in
 * background.scripts (scripts/build_extension.py reads the list from the importScripts call).
 */
"use strict";

if (typeof importScripts === "function" && typeof self.LL === "undefined") {
  importScripts("common.js", "rules.js", "menus.js");
}

const ext = LL.ext;
const DNR = ext.declarativeNetRequest;

const DEFAULT_PORT = 8765;
const RETRY_MS = 30 * 1000; // at most one attempt per 30 s while the service is down / unpaired
const CHECK_TIMEOUT_MS = 30 * 1000;
const SCAN_TIMEOUT_MS = 30 * 1000;
const HEALTH_TIMEOUT_MS = 4 * 1000;
const RULES_EVERY_MS = 60 * 60 * 1000;
const DEFAULT_RULE_LIMIT = 30000; // domains asked from the service for rules
const MAX_HTML_CHARS = 2 * 1024 * 1024;
const REPORT_CACHE_MAX = 40;
const REPORT_TTL_MS = 10 * 60 * 1000;

class ApiError extends Error {
  constructor(code, message, status) {
    super(message || code);
    this.code = code;
    this.status = status || 0;
  }
}

/* ------------------------------------------------------------------ state */

const local = ext.storage.local;
const session = ext.storage.session || ext.storage.local; // Firefox < 115 has no session area

async function config() {
  const c = await local.get({
    port: DEFAULT_PORT,
    token: "",
    checkEveryLink: false,
    trusted: [],
    ruleLimit: DEFAULT_RULE_LIMIT,
  });
  c.port = Number(c.port) || DEFAULT_PORT;
  return c;
}

// In memory first (the worker is single-threaded, so the retry gate is race-free), mirrored to
// storage.session so a restarted worker keeps its back-off and the pages can read it.
let S = { state: "unknown", lastAttempt: 0, lastOk: 0, message: "", rulesVersion: "", rulesAt: 0,
  ruleDomains: 0, ruleMode: "dnr", version: "" };
const ready = Promise.all([LL.init(), session.get({ llStatus: null })]).then(([, v]) => {
  if (v.llStatus) S = Object.assign(S, v.llStatus);
});

async function setState(patch) {
  const before = S.state;
  S = Object.assign({}, S, patch);
  await session.set({ llStatus: S });
  if (before !== S.state || patch.paint) await paintBadge();
}

async function paintBadge() {
  const act = ext.action;
  if (!act) return;
  const titles = {
    ok: LL.t("title_ok"),
    down: LL.t("status_down"),
    needs_pair: LL.t("status_needs_pair"),
    unpaired: LL.t("status_unpaired"),
    unknown: LL.t("extName"),
  };
  const access = await LL.hostAccess();
  const bad = !access || S.state === "down" || S.state === "needs_pair" || S.state === "unpaired";
  try {
    await act.setBadgeText({ text: bad ? "!" : "" });
    if (bad) await act.setBadgeBackgroundColor({ color: S.state === "down" ? "#9a6700" : "#b3261e" });
    await act.setTitle({ title: access ? titles[S.state] || LL.t("extName") : LL.t("status_no_access") });
  } catch (_e) {
    /* a closed window or an old browser: the badge is advisory */
  }
}

/* -------------------------------------------------------------------- API */

/**
 * Call the local service. Only this function ever sends the token.
 * Fails fast (no request) while the service is down or refuses the token, except once per RETRY_MS
 * or when `force` is set by an explicit user action (pairing, "retry" in the options page).
 */
async function api(path, { method = "GET", body, timeout = CHECK_TIMEOUT_MS, force = false } = {}) {
  await ready;
  const cfg = await config();
  if (!cfg.token) {
    await setState({ state: "unpaired" });
    throw new ApiError("unpaired", LL.t("status_unpaired"));
  }
  const gated = S.state === "down" || S.state === "needs_pair";
  const now = Date.now();
  if (gated && !force && now - S.lastAttempt < RETRY_MS) {
    throw new ApiError(S.state, S.state === "down" ? LL.t("status_down") : LL.t("status_needs_pair"));
  }
  S.lastAttempt = now; // synchronously, before any await: concurrent callers see it
  const url = `http://127.0.0.1:${cfg.port}/api/v1/${path}`;
  const headers = { "X-LureLens-Token": cfg.token, Accept: "application/json" };
  const init = { method, headers, credentials: "omit", cache: "no-store", redirect: "error" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeout);
  init.signal = ctl.signal;
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (e) {
    clearTimeout(timer);
    if (e && e.name === "AbortError") {
      // The service answered nothing in time: it is alive but busy; do not mark it down.
      throw new ApiError("timeout", LL.t("error_timeout"));
    }
    await setState({ state: "down", lastAttempt: now, message: LL.t("status_down") });
    throw new ApiError("down", LL.t("status_down"));
  }
  let data = null;
  try {
    data = await resp.json();
  } catch (_e) {
    data = null;
  } finally {
    clearTimeout(timer);
  }
  if (resp.status === 401 || resp.status === 403) {
    await setState({ state: "needs_pair", lastAttempt: now, message: LL.t("status_needs_pair") });
    throw new ApiError("needs_pair", LL.t("status_needs_pair"), resp.status);
  }
  await setState({ state: "ok", lastOk: now, message: "" });
  if (!resp.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(err.code || "http_" + resp.status, err.message || "HTTP " + resp.status, resp.status);
  }
  return data;
}

async function health(force) {
  try {
    const h = await api("health", { timeout: HEALTH_TIMEOUT_MS, force });
    await setState({ version: (h && h.version) || "" });
    return true;
  } catch (_e) {
    return false;
  }
}

/* ---------------------------------------------------------- checking */

async function cachedReport(url) {
  const { llReports } = await session.get({ llReports: {} });
  const hit = llReports[url];
  return hit && Date.now() - hit.ts < REPORT_TTL_MS ? hit.report : null;
}

async function cacheReport(url, report) {
  const { llReports } = await session.get({ llReports: {} });
  llReports[url] = { ts: Date.now(), report };
  const keys = Object.keys(llReports).sort((a, b) => llReports[a].ts - llReports[b].ts);
  while (keys.length > REPORT_CACHE_MAX) delete llReports[keys.shift()];
  await session.set({ llReports });
}

/**
 * The service's report on one URL. `offline` asks it not to fetch anything: used for destinations
 * already known to be bad, which must never be contacted, not even by the service.
 */
async function checkUrl(url, { useCache = true, offline = false } = {}) {
  if (useCache) {
    const hit = await cachedReport(url);
    if (hit) return hit;
  }
  const body = offline ? { text: url, offline: true } : { text: url };
  const report = await api("check", { method: "POST", body });
  await cacheReport(url, report);
  return report;
}

async function setTabVerdict(tabId, url, report) {
  if (tabId === undefined || tabId < 0) return;
  const link = LL.mainLink(report, url);
  await session.set({
    ["tab:" + tabId]: {
      url,
      level: report.level,
      summary: report.summary || null,
      reasons: LL.allReasons(report, link).slice(0, 6),
      ts: Date.now(),
    },
  });
}

function isTrusted(url, trusted) {
  return Boolean(LL.matchDomain(LL.hostOf(url), trusted));
}

async function openWarning(tabId, url, report, newTab, openerTabId) {
  if (report) await cacheReport(url, report);
  const target = warningUrl() + "#" + url;
  if (newTab) return ext.tabs.create({ url: target, openerTabId });
  return ext.tabs.update(tabId, { url: target });
}

/** The verdict on a held link: "listed", a report, or null when the service cannot answer. */
async function heldVerdict(tabId, url, trusted) {
  if (isTrusted(url, trusted)) return { report: null, failedOpen: false };
  if (await listMatch(url)) return { listed: true };
  const hold = await holdNavigation(tabId, url);
  try {
    return { report: await checkUrl(url), failedOpen: false };
  } catch (_e) {
    return { report: null, failedOpen: true };
  } finally {
    await releaseHold(hold);
  }
}

/**
 * Decide a held navigation (click capture, or "Open" in a QR result): check, then navigate the
 * tab ourselves. Fails open (proceeds) when the service cannot answer, as the badge says.
 */
async function navigateChecked(tab, url, newTab) {
  const tabId = tab ? tab.id : -1;
  if (!LL.isWebUrl(url)) return { action: "ignored" };
  const cfg = await config();
  const { listed, report, failedOpen } = await heldVerdict(tabId, url, cfg.trusted);
  if (listed) {
    // Known bad: never let anything (not even the service) contact it.
    await openWarning(tabId, url, null, newTab, tabId);
    return { action: "warned", level: "danger" };
  }
  if (report && report.level === "danger") {
    await openWarning(tabId, url, report, newTab, tabId);
    return { action: "warned", level: report.level };
  }
  if (newTab) await ext.tabs.create({ url, openerTabId: tabId >= 0 ? tabId : undefined });
  else if (tabId >= 0) await ext.tabs.update(tabId, { url });
  if (report && !newTab) await setTabVerdict(tabId, url, report);
  return { action: "proceeded", level: report ? report.level : "unknown", failedOpen };
}

/* ---------------------------------------------------------- messages */

/** The web page a tab is about: its URL, or the URL a warning page in it stopped. */
function tabTarget(tab) {
  const url = (tab && tab.url) || "";
  const base = warningUrl() + "#";
  if (url.startsWith(base)) return { url: LL.urlFromHash(url.slice(base.length - 1)), stopped: true };
  return { url, stopped: false };
}

/** The extension page that sent a message ("popup", "options", "warning"…), or "" when the sender
 * is not one of our pages running as a top-level document. A web page may frame warning.html (it is
 * web-accessible for the DNR redirect): that frame has sender.tab and frameId != 0, and gets nothing. */
function extensionPageOf(sender) {
  const base = ext.runtime.getURL("");
  if (!sender || sender.id !== ext.runtime.id || typeof sender.url !== "string") return "";
  if (!sender.url.startsWith(base)) return "";
  if (sender.tab && sender.frameId !== 0) return ""; // framed inside some tab
  const m = /^([a-z_]+)\.html(?:[?#]|$)/.exec(sender.url.slice(base.length));
  return m ? m[1] : "";
}

/** A content script of a web page's top frame (the only frames content.js runs in). */
function fromContentScript(sender) {
  return Boolean(sender && sender.id === ext.runtime.id && sender.tab && sender.tab.id >= 0 &&
    sender.frameId === 0 && LL.isWebUrl(sender.url || ""));
}

// Which page may send which messages: a page's own kind, plus the status every page reads.
const PAGE_OF_MESSAGE = { options: "options", popup: "popup", warning: "warning", test: "options" };

function pageMayAsk(page, type) {
  if (type === "status") return Boolean(page);
  return Boolean(page) && PAGE_OF_MESSAGE[type.split(":")[0]] === page;
}

/** The URL a warning page is about (its own hash): it may act on that URL only. */
function warningPageUrl(sender) {
  const base = warningUrl() + "#";
  return sender.url.startsWith(base) ? LL.urlFromHash(sender.url.slice(base.length - 1)) : "";
}

async function statusView() {
  await ready;
  const cfg = await config();
  return {
    state: S.state,
    message: S.message,
    version: S.version,
    port: cfg.port,
    paired: Boolean(cfg.token),
    checkEveryLink: cfg.checkEveryLink,
    trusted: cfg.trusted,
    rulesVersion: S.rulesVersion,
    rulesAt: S.rulesAt,
    ruleDomains: S.ruleDomains,
    ruleSkipped: S.ruleSkipped || 0,
    ruleMode: S.ruleMode,
    hostAccess: await LL.hostAccess(),
  };
}

/** Messages content scripts may send (they run with the page's origin: never trust them more). */
async function onContentMessage(msg, sender) {
  const tab = sender.tab;
  switch (msg.type) {
    case "content:config": {
      await ready;
      const cfg = await config();
      const strings = {};
      for (const k of ["checking_link", "decoded", "open_checked", "close"]) strings[k] = LL.t(k);
      return { checkEveryLink: Boolean(cfg.checkEveryLink), strings };
    }
    case "content:navigate":
      return navigateChecked(tab, String(msg.url || ""), Boolean(msg.newTab));
    default:
      return { error: { code: "unknown_message" } };
  }
}

/** The options page: pairing, retry, lists, language, "check every link", trusted sites. */
async function onOptionsMessage(msg, sender) {
  switch (msg.type) {
    case "options:pair": {
      const port = Number(msg.port);
      const token = String(msg.token || "").trim();
      if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: { code: "bad_port" } };
      if (!/^[A-Za-z0-9_\-.~+/=]{8,512}$/.test(token)) return { error: { code: "bad_token" } };
      await local.set({ port, token });
      const ok = await health(true);
      if (ok) {
        try {
          await api("pair", { method: "POST", body: {}, force: true });
        } catch (_e) {
          /* Chrome's origin is configured by ID: pairing records only moz-extension origins */
        }
        await syncRules(true);
      }
      return statusView();
    }
    case "options:retry":
      await health(true);
      if (S.state === "ok") await syncRules(true);
      return statusView();
    case "options:sync":
      return syncRules(true);
    case "options:setLang": {
      const value = ["zh", "en"].includes(msg.value) ? msg.value : "auto";
      await local.set({ uiLang: value });
      await LL.init();
      createMenus();
      await paintBadge();
      return statusView();
    }
    case "options:setCheckEveryLink":
      await local.set({ checkEveryLink: Boolean(msg.value) });
      return statusView();
    case "options:untrust": {
      const { trusted } = await config();
      await local.set({ trusted: trusted.filter((d) => d !== msg.domain) });
      await syncTrustedRule();
      return statusView();
    }
    default:
      return { error: { code: "unknown_message" } };
  }
}

/** The warning page, about the URL in its own #hash only (see warningPageUrl). */
async function onWarningMessage(msg, sender) {
  switch (msg.type) {
    case "warning:info": {
      // Anyone can open warning.html#<any URL> in a tab: it shows the report the extension made
      // before sending the tab here, or an offline one; it never makes the service fetch a URL.
      const url = String(msg.url || "");
      if (!LL.isWebUrl(url) || url !== warningPageUrl(sender)) return { error: { code: "bad_url" } };
      const match = await listMatch(url);
      let report = await cachedReport(url);
      let error = null;
      if (!report) {
        try {
          report = await checkUrl(url, { useCache: false, offline: true });
        } catch (e) {
          error = { code: e.code || "error", message: e.message };
        }
      }
      if (sender.tab && report) await setTabVerdict(sender.tab.id, url, report);
      return { report, listMatch: match, error, state: S.state };
    }
    case "warning:proceed": {
      const url = String(msg.url || "");
      if (!LL.isWebUrl(url) || !sender.tab || url !== warningPageUrl(sender)) return { error: { code: "bad_url" } };
      const host = LL.hostOf(url);
      if (msg.trust) {
        const { trusted } = await config();
        if (validDomain(host) && !trusted.includes(host)) trusted.push(host);
        await local.set({ trusted });
        await syncTrustedRule();
      }
      await allowOnceInTab(sender.tab.id, host);
      await ext.tabs.update(sender.tab.id, { url });
      return { ok: true };
    }
    case "warning:back": {
      // history.back() only when this tab showed a web page before the warning; otherwise (a link
      // opened in a new tab) there is nothing to go back to, so the tab is closed.
      if (!sender.tab) return { error: { code: "no_tab" } };
      const key = "web:" + sender.tab.id;
      const prev = (await session.get({ [key]: null }))[key];
      if (prev) return { action: "back" };
      await ext.tabs.remove(sender.tab.id);
      return { action: "closed" };
    }
    default:
      return { error: { code: "unknown_message" } };
  }
}

/** The popup: the verdict for a tab, "Check this address", "Analyse this page". */
async function onPopupMessage(msg, sender) {
  switch (msg.type) {
    case "popup:tab": {
      const tab = await ext.tabs.get(Number(msg.tabId));
      const key = "tab:" + tab.id;
      const v = (await session.get({ [key]: null }))[key];
      // On the warning page, the page in question is the one it stopped.
      const { url, stopped } = tabTarget(tab);
      return { url, stopped, verdict: v && v.url === url ? v : null, status: await statusView() };
    }
    case "popup:checkUrl": {
      const tab = await ext.tabs.get(Number(msg.tabId));
      const { url } = tabTarget(tab);
      if (!LL.isWebUrl(url)) return { error: { code: "not_web", message: LL.t("error_not_web") } };
      try {
        const report = await checkUrl(url, { useCache: false, offline: Boolean(await listMatch(url)) });
        await setTabVerdict(tab.id, url, report);
        return { report };
      } catch (e) {
        return { error: { code: e.code || "error", message: e.message } };
      }
    }
    case "popup:analysePage": {
      const tab = await ext.tabs.get(Number(msg.tabId));
      if (!LL.isWebUrl(tab.url || "")) return { error: { code: "not_web", message: LL.t("error_not_web") } };
      let page;
      try {
        page = await ext.tabs.sendMessage(tab.id, { type: "content:getHtml", max: MAX_HTML_CHARS }, { frameId: 0 });
      } catch (_e) {
        return { error: { code: "no_content_script", message: LL.t("error_reload_page") } };
      }
      try {
        const report = await api("page", { method: "POST", body: { html: page.html, url: page.url || tab.url } });
        await setTabVerdict(tab.id, tab.url, report);
        return { report };
      } catch (e) {
        return { error: { code: e.code || "error", message: e.message } };
      }
    }
    default:
      return { error: { code: "unknown_message" } };
  }
}

/** Test hooks (headless Chromium cannot open native menus); the options page only. */
async function onTestMessage(msg, sender) {
  switch (msg.type) {
    case "test:contextMenu":
      // Test hook (headless Chromium cannot open native menus); extension pages only.
      return onMenuClicked(msg.info || {}, await ext.tabs.get(Number(msg.tabId)));
    default:
      return { error: { code: "unknown_message" } };
  }
}

/** Messages from the extension's own pages (options, popup, warning), by the page that sent them. */
async function onPageMessage(msg, sender) {
  if (msg.type === "status") return statusView();
  const handlers = { options: onOptionsMessage, warning: onWarningMessage, popup: onPopupMessage,
    test: onTestMessage };
  const handler = handlers[msg.type.split(":")[0]];
  return handler ? handler(msg, sender) : { error: { code: "unknown_message" } };
}

ext.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || typeof msg.type !== "string") return false;
  let handler = null;
  if (msg.type.startsWith("content:")) handler = fromContentScript(sender) ? onContentMessage : null;
  else if (pageMayAsk(extensionPageOf(sender), msg.type)) handler = onPageMessage;
  if (!handler) {
    sendResponse({ error: { code: "forbidden" } });
    return false;
  }
  handler(msg, sender).then(sendResponse, (e) => sendResponse({ error: { code: "internal", message: String(e) } }));
  return true;
});

/* ------------------------------------------------ fallback navigation */

// Only when DNR rules could not be installed. Documented as leaky: the request has already left
// when onBeforeNavigate fires, so the destination sees one hit before the tab is replaced.
if (ext.webNavigation) {
  ext.webNavigation.onBeforeNavigate.addListener(async (d) => {
    if (d.frameId !== 0 || S.ruleMode !== "fallback" || !LL.isWebUrl(d.url)) return;
    const cfg = await config();
    if (isTrusted(d.url, cfg.trusted)) return;
    if (await listMatch(d.url)) await openWarning(d.tabId, d.url, null, false);
  });
}

// Remember whether a tab has shown a web page (for the warning page's "Back").
if (ext.webNavigation) {
  ext.webNavigation.onCommitted.addListener((d) => {
    if (d.frameId === 0 && LL.isWebUrl(d.url)) session.set({ ["web:" + d.tabId]: true });
  });
}

/* ------------------------------------------------------------ lifecycle */

async function startup() {
  await ready;
  createMenus();
  await paintBadge();
  await syncTrustedRule();
  if (await health(false)) await syncRules(false);
  ext.alarms.create("ll-tick", { periodInMinutes: 0.5 });
}

ext.runtime.onInstalled.addListener(async (details) => {
  await startup();
  // Firefox asks for host permissions separately: without them nothing works, so say so at once.
  if (details.reason === "install" && ext.permissions && ext.permissions.contains) {
    if (!(await LL.hostAccess())) ext.runtime.openOptionsPage();
  }
});

// Host access revoked or granted again (Firefox): the badge says so at once.
if (ext.permissions && ext.permissions.onRemoved) {
  ext.permissions.onRemoved.addListener(() => paintBadge());
  ext.permissions.onAdded.addListener(() => paintBadge());
}
ext.runtime.onStartup.addListener(() => startup());

ext.alarms.onAlarm.addListener(async (a) => {
  if (a.name !== "ll-tick") return;
  await ready;
  if (S.state !== "ok") {
    // Gentle retry: api() itself lets at most one attempt through per RETRY_MS.
    if (await health(false)) await syncRules(false);
  } else if (Date.now() - S.rulesAt > RULES_EVERY_MS) {
    await syncRules(false);
  }
});

if (ext.contextMenus) {
  ext.contextMenus.onClicked.addListener((info, tab) => {
    onMenuClicked(info, tab);
  });
}

ext.tabs.onRemoved.addListener((tabId) => {
  session.remove(["tab:" + tabId, "web:" + tabId]);
});

ext.storage.onChanged.addListener(async (changes, area) => {
  if (area === "local" && changes.uiLang) {
    await LL.init();
    createMenus();
    await paintBadge();
  }
});

/** Back to a just-paired state (tests share one browser profile between cases). */
async function resetForTests() {
  await local.set({ checkEveryLink: false, trusted: [], uiLang: "zh" });
  await LL.init();
  await syncTrustedRule();
  if (DNR && DNR.getSessionRules) {
    const sr = await DNR.getSessionRules();
    await DNR.updateSessionRules({ removeRuleIds: sr.map((r) => r.id) });
  }
  const all = await session.get(null);
  await session.remove(Object.keys(all).filter((k) => k === "llReports" || k.startsWith("tab:")));
  await paintBadge();
  return statusView();
}

// For tests and debugging from the worker console: pure helpers and the menu handler.
self.LLTest = { buildListRules, ruleBudget, onMenuClicked, syncRules, health, statusView, resetForTests,
  holdNavigation, releaseHold, state: () => S, setRuleMode: (m) => setState({ ruleMode: m }) };
