/* Options: pairing with the local service (port + token from http://127.0.0.1:<port>/pair),
 * "check every link", trusted sites (removable) and the state of the list rules.
 * The token is handed to the service worker, which stores it in chrome.storage.local only. */
"use strict";

(async function main() {
  const $ = (id) => document.getElementById(id);
  await LL.init();
  LL.localizePage(document);

  function render(st) {
    const el = $("pair-status");
    const map = { ok: ["status_ok", ""], down: ["status_down", "bad"], needs_pair: ["status_needs_pair", "bad"],
      unpaired: ["status_unpaired", "warn"], unknown: ["status_unknown", "warn"] };
    const [key, cls] = map[st.state] || map.unknown;
    LL.setText(el, LL.t(key) + (st.state === "ok" && st.version ? " (" + st.version + ")" : ""));
    el.className = "status " + cls;
    el.dataset.state = st.state || "unknown";
    if (document.activeElement !== $("port")) $("port").value = st.port;
    const pairUrl = "http://127.0.0.1:" + st.port + "/pair";
    $("pair-link").href = pairUrl;
    LL.setText($("pair-link"), pairUrl);
    $("token").placeholder = st.paired ? LL.t("token_saved") : LL.t("token_placeholder");
    $("check-every-link").checked = Boolean(st.checkEveryLink);
    const ul = $("trusted");
    ul.textContent = "";
    for (const d of st.trusted || []) {
      const li = document.createElement("li");
      const code = document.createElement("code");
      LL.setText(code, d);
      const rm = document.createElement("button");
      rm.type = "button";
      LL.setText(rm, LL.t("remove"));
      rm.setAttribute("aria-label", LL.visible(LL.t("remove") + " " + d));
      rm.dataset.domain = d;
      rm.addEventListener("click", async () => render(await LL.send({ type: "options:untrust", domain: d })));
      li.append(code, rm);
      ul.appendChild(li);
    }
    $("trusted-empty").hidden = (st.trusted || []).length > 0;
    // The service versions lists by their build time (epoch seconds): show it as a date.
    const v = st.rulesVersion || "?";
    const version = /^\d{9,}(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000).toLocaleString() : v;
    LL.setText($("lists-info"), st.rulesAt
      ? LL.t("lists_info", [String(st.ruleDomains), version, new Date(st.rulesAt).toLocaleString(),
        String(st.ruleSkipped || 0)])
      : LL.t("lists_none"));
  }

  render(await LL.send({ type: "status" }));
  const langSel = $("ui-lang");
  langSel.value = (await LL.ext.storage.local.get({ uiLang: "auto" })).uiLang;
  langSel.addEventListener("change", async () => {
    await LL.send({ type: "options:setLang", value: langSel.value });
    location.reload();
  });

  $("pair-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    $("pair").disabled = true;
    LL.setText($("pair-status"), LL.t("checking"));
    const token = $("token").value.trim();
    const ans = await LL.send({ type: "options:pair", port: Number($("port").value), token });
    $("pair").disabled = false;
    if (ans.error) {
      LL.setText($("pair-status"), LL.t(ans.error.code === "bad_port" ? "error_bad_port" : "error_bad_token"));
      $("pair-status").className = "status bad";
      $("pair-status").dataset.state = "error";
      return;
    }
    $("token").value = "";
    render(ans);
  });
  $("retry").addEventListener("click", async () => render(await LL.send({ type: "options:retry" })));
  $("check-every-link").addEventListener("change", async (ev) =>
    render(await LL.send({ type: "options:setCheckEveryLink", value: ev.target.checked })));
  $("sync").addEventListener("click", async () => {
    await LL.send({ type: "options:sync" });
    render(await LL.send({ type: "status" }));
  });

  // Firefox lets users revoke host permissions: say what no longer works and offer a grant button
  // (a user gesture), at once when it changes while the page is open.
  const showAccess = async () => {
    $("perm").hidden = await LL.hostAccess();
  };
  await showAccess();
  if (LL.ext.permissions && LL.ext.permissions.request) {
    $("grant").addEventListener("click", async () => {
      await LL.ext.permissions.request({ origins: LL.HOST_ORIGINS }).catch(() => false);
      await showAccess();
    });
    LL.ext.permissions.onRemoved.addListener(showAccess);
    LL.ext.permissions.onAdded.addListener(showAccess);
  }
  document.body.dataset.ready = "1";
})();
