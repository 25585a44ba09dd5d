/* Popup: the verdict for the current tab, "Check this address" and "Analyse this page"
 * (the rendered DOM goes to POST /api/v1/page through the service worker). */
"use strict";

(async function main() {
  const $ = (id) => document.getElementById(id);
  await LL.init();
  LL.localizePage(document);
  const params = new URLSearchParams(location.search);
  let tabId = Number(params.get("tabId"));
  if (!tabId) {
    const [tab] = await LL.ext.tabs.query({ active: true, currentWindow: true });
    tabId = tab ? tab.id : -1;
  }

  function showStatus(st) {
    const el = $("status");
    const map = { ok: ["status_ok", ""], down: ["status_down", "bad"], needs_pair: ["status_needs_pair", "bad"],
      unpaired: ["status_unpaired", "warn"], unknown: ["status_unknown", "warn"] };
    const [key, cls] = map[st.state] || map.unknown;
    LL.setText(el, LL.t(key));
    el.className = "status " + cls;
  }

  function showVerdict(level, summary, reasons) {
    const v = $("verdict");
    v.textContent = "";
    const chip = document.createElement("span");
    chip.className = "lvl " + level;
    LL.setText(chip, LL.levelLabel(level));
    v.appendChild(chip);
    v.dataset.level = level;
    LL.setText($("summary"), LL.pick(summary));
    LL.renderReasons($("reasons"), reasons || [], 5);
  }

  function showReport(report, url) {
    const link = LL.mainLink(report, url);
    showVerdict(report.level, report.summary, LL.allReasons(report, link));
  }

  function showError(err) {
    $("verdict").textContent = "";
    LL.setText($("summary"), (err && (err.message || err.code)) || LL.t("error_generic"));
    $("reasons").textContent = "";
  }

  const info = await LL.send({ type: "popup:tab", tabId });
  showStatus(info.status || {});
  if (info.status && info.status.hostAccess === false) {
    $("perm-note").hidden = false;
    LL.setText($("perm-note"), LL.t("perm_text"));
  }
  const url = info.url || "";
  LL.renderUrl($("tab-url"), url, "");
  const web = LL.isWebUrl(url);
  $("check-url").disabled = !web;
  $("analyse").disabled = !web || Boolean(info.stopped); // a stopped page was never loaded
  if (info.verdict) showVerdict(info.verdict.level, info.verdict.summary, info.verdict.reasons);
  else LL.setText($("summary"), web ? LL.t("popup_not_checked") : LL.t("error_not_web"));

  async function run(type, button) {
    button.disabled = true;
    LL.setText($("summary"), LL.t("checking"));
    const ans = await LL.send({ type, tabId });
    button.disabled = false;
    if (ans.report) showReport(ans.report, url);
    else showError(ans.error);
    showStatus((await LL.send({ type: "status" })) || {});
  }
  $("check-url").addEventListener("click", () => run("popup:checkUrl", $("check-url")));
  $("analyse").addEventListener("click", () => run("popup:analysePage", $("analyse")));
  $("options").addEventListener("click", (ev) => {
    ev.preventDefault();
    LL.ext.runtime.openOptionsPage();
  });
  document.body.dataset.ready = "1";
})();
