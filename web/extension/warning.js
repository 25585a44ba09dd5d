/* The warning page: warning.html#<blocked URL>.
 * Reached through a declarativeNetRequest redirect (known-bad list entry: the request never left
 * the browser) or from the service worker after a "danger" verdict on a held click.
 * "Back" has the focus; "Open anyway" sits behind Details, needs a second click for danger, works
 * once, and can trust the site (removable in the options page).
 */
"use strict";

(async function main() {
  const $ = (id) => document.getElementById(id);
  await LL.init();
  LL.localizePage(document);
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
    $("headline").textContent = LL.t("warning_no_url");
    $("more").hidden = true;
    return;
  }
  document.title = LL.t("warning_title") + " – " + LL.hostOf(url);
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
  $("headline").textContent = LL.t(level === "danger" ? "warning_headline" : level === "caution"
    ? "warning_headline_caution" : "warning_headline_unknown");
  $("level").textContent = LL.levelLabel(level);
  $("summary").textContent = report ? LL.pick(report.summary) : "";

  // Final URL: the registrable domain stands out; IDN shown in Unicode and punycode.
  const finalUrl = (link && link.final_url) || url;
  LL.renderUrl($("final-url"), finalUrl, (link && link.registrable_domain) || info.listMatch || "");
  if (link && link.host_unicode && link.host && link.host_unicode !== link.host) {
    $("idn").hidden = false;
    $("idn").textContent = LL.t("idn_note", [link.host_unicode, link.host]);
  }
  if (finalUrl !== url) {
    $("original-wrap").hidden = false;
    $("original-url").textContent = LL.visible(url);
  }

  const chips = $("chips");
  for (const label of LL.categories(reasons)) {
    const li = document.createElement("li");
    li.textContent = label;
    chips.appendChild(li);
  }

  LL.renderReasons($("reasons"), reasons, 8);
  if (!reasons.length) {
    const li = document.createElement("li");
    li.textContent = LL.t("no_reasons");
    $("reasons").appendChild(li);
  }
  if (info.error) {
    const note = $("status-note");
    note.hidden = false;
    note.textContent = LL.t("service_unavailable_note", [info.error.message || info.error.code]);
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
      td.textContent = LL.visible(c);
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });

  // "Open anyway": once, behind Details; a second click confirms for danger.
  const proceed = $("proceed");
  let armed = level !== "danger";
  proceed.addEventListener("click", async () => {
    if (!armed) {
      armed = true;
      proceed.classList.add("confirm");
      proceed.textContent = LL.t("proceed_confirm");
      return;
    }
    proceed.disabled = true;
    const ans = await LL.send({ type: "warning:proceed", url, trust: $("trust").checked });
    if (ans.error) {
      proceed.disabled = false;
      const note = $("status-note");
      note.hidden = false;
      note.textContent = ans.error.message || ans.error.code;
    }
  });
  back.focus();
  document.body.dataset.ready = "1";
})();
