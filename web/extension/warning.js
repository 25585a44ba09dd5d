/* The warning page: warning.html#<blocked URL>.
 * Reached through a declarativeNetRequest redirect (known-bad list entry: the request never left
 * the browser) or from the service worker after a "danger" verdict on a held click.
 * "Back" has the focus; "Open anyway" sits behind Details, needs a second click for danger, works
 * once, and can trust the site (removable in the options page).
 */
"use strict";

/** True when this page is the tab's top-level document, not a frame of some (hostile) page. */
function topLevel() {
  try {
    return window.top === window && window.parent === window && !window.frameElement;
  } catch (_e) {
    return false;
  }
}

(async function main() {
  const $ = (id) => document.getElementById(id);
  await LL.init();
  LL.localizePage(document);
  if (!topLevel()) {
    // A web page framed us (warning.html is web-accessible for the DNR redirect), maybe invisibly
    // to make "Open anyway" clicks for the user: no report, no buttons, no messages to the worker.
    for (const el of document.querySelectorAll(".actions, section:not(#banner), details, #level, #summary")) {
      el.remove();
    }
    LL.setText($("headline"), LL.t("warning_framed"));
    document.body.dataset.framed = "1";
    return;
  }
  const back = $("back");
  back.focus();

  const url = LL.urlFromHash(location.hash);
  back.addEventListener("click", async () => {
    // After a DNR redirect the blocked URL never entered history: back is the page before it.
    // With no page before it (a link opened in a new tab) the service worker closes the tab.
    const ans = await LL.send({ type: "warning:back" });
    if (ans.action === "back" || ans.error) {
      if (history.length > 1) history.back();
      else LL.ext.tabs.getCurrent().then((t) => t && LL.ext.tabs.remove(t.id));
    }
  });

  if (!url) {
    LL.setText($("headline"), LL.t("warning_no_url"));
    $("more").hidden = true;
    return;
  }
  document.title = LL.visible(LL.t("warning_title") + " – " + LL.hostOf(url));
  LL.renderUrl($("final-url"), url, "");

  const info = await LL.send({ type: "warning:info", url });
  const report = info.report || null;
  const link = report ? LL.mainLink(report, url) : null;
  let level = report ? report.level : "unknown";
  const reasons = report ? LL.allReasons(report, link) : [];

  if (info.listMatch) {
    // Known-bad entry from the service's lists: the DNR rule fired; say so even when the
    // service cannot be reached right now.
    level = "danger";
    if (!reasons.some((r) => (r.code || "").startsWith("blocklist."))) {
      reasons.unshift({
        code: "blocklist.rule",
        severity: "high",
        evidence: info.listMatch,
        message: { en: LL.t("reason_listed"), zh: LL.t("reason_listed") },
      });
    }
  }

  const banner = $("banner");
  banner.className = "banner level-" + level;
  banner.setAttribute("role", level === "danger" ? "alert" : "status");
  LL.setText($("headline"), LL.t(level === "danger" ? "warning_headline" : level === "caution"
    ? "warning_headline_caution" : "warning_headline_unknown"));
  LL.setText($("level"), LL.levelLabel(level));
  LL.setText($("summary"), report ? LL.pick(report.summary) : "");

  // Final URL: the registrable domain stands out; IDN shown in Unicode and punycode.
  const finalUrl = (link && link.final_url) || url;
  LL.renderUrl($("final-url"), finalUrl, (link && link.registrable_domain) || info.listMatch || "");
  if (link && link.host_unicode && link.host && link.host_unicode !== link.host) {
    $("idn").hidden = false;
    LL.setText($("idn"), LL.t("idn_note", [link.host_unicode, link.host]));
  }
  if (finalUrl !== url) {
    $("original-wrap").hidden = false;
    LL.setText($("original-url"), url);
  }

  const chips = $("chips");
  for (const label of LL.categories(reasons)) {
    const li = document.createElement("li");
    LL.setText(li, label);
    chips.appendChild(li);
  }

  LL.renderReasons($("reasons"), reasons, 8);
  if (!reasons.length) {
    const li = document.createElement("li");
    LL.setText(li, LL.t("no_reasons"));
    $("reasons").appendChild(li);
  }
  if (info.error) {
    const note = $("status-note");
    note.hidden = false;
    LL.setText(note, LL.t("service_unavailable_note", [info.error.message || info.error.code]));
  }

  // The chain, collapsed (a <details>): every hop with its kind, status and IP.
  const chain = (link && link.chain && link.chain.length) ? link.chain : [{ url, kind: "start", status: null, ip: null }];
  const tbody = $("chain").querySelector("tbody");
  chain.forEach((h, i) => {
    const tr = document.createElement("tr");
    const kindKey = "hop_" + (h.kind || "start");
    const kind = LL.t(kindKey) === kindKey ? h.kind || "" : LL.t(kindKey);
    const cells = [String(i + 1), h.url || "", kind, h.status == null ? "–" : String(h.status), h.ip || "–"];
    cells.forEach((c, j) => {
      const td = document.createElement("td");
      if (j === 1) td.className = "u";
      LL.setText(td, c);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });

  // "Open anyway": once, behind Details; a second click confirms for danger.
  const proceed = $("proceed");
  let armed = level !== "danger";
  proceed.addEventListener("click", async () => {
    if (!topLevel()) return;
    if (!armed) {
      armed = true;
      proceed.classList.add("confirm");
      LL.setText(proceed, LL.t("proceed_confirm"));
      return;
    }
    proceed.disabled = true;
    const ans = await LL.send({ type: "warning:proceed", url, trust: $("trust").checked });
    if (ans.error) {
      proceed.disabled = false;
      const note = $("status-note");
      note.hidden = false;
      LL.setText(note, ans.error.message || ans.error.code);
    }
  });
  back.focus();
  document.body.dataset.ready = "1";
})();
