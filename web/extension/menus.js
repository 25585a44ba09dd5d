/* LureLens background, part 2 of 3: the context menus, QR images and the on-page panel (see sw.js).
 *
 * "Check this link" and "Scan this QR image": the image already loaded in the page is drawn to a
 * canvas by the content script (or cropped from captureVisibleTab when the canvas is cross-origin
 * tainted) and sent as base64 to POST /api/v1/scan; the service never fetches the image again.
 * Runs in the background's global scope, like rules.js.
 */
"use strict";

const MENU_CHECK_LINK = "ll-check-link";
const MENU_SCAN_QR = "ll-scan-qr";

const MAX_IMAGE_SIDE = 2048;

/* ------------------------------------------------------ context menus */

function createMenus() {
  if (!ext.contextMenus) return;
  Promise.resolve(ext.contextMenus.removeAll()).then(() => {
    ext.contextMenus.create({ id: MENU_CHECK_LINK, title: LL.t("menu_check_link"), contexts: ["link"] });
    ext.contextMenus.create({ id: MENU_SCAN_QR, title: LL.t("menu_scan_qr"), contexts: ["image"] });
  });
}

async function toast(tabId, frameId, payload) {
  try {
    await ext.tabs.sendMessage(tabId, Object.assign({ type: "content:toast" }, payload),
      { frameId: frameId || 0 });
    return true;
  } catch (_e) {
    return false; // no content script there (a browser page): the popup still shows the verdict
  }
}

function toastFromReport(report, title) {
  // Text for people goes through the hidden-character filter here and again in the content script.
  const links = (report.links || []).slice(0, 5).map((l) => ({
    url: LL.visible(l.final_url || l.url),
    original: l.url,
    level: l.level,
    domain: LL.visible(l.registrable_domain || ""),
  }));
  const payloads = (report.payloads || []).slice(0, 5).map((p) => ({
    kind: p.kind,
    display: LL.visible(String(p.display || "").slice(0, 300)),
    explanation: LL.pick(p.explanation),
  }));
  return {
    title,
    level: report.level,
    levelLabel: LL.levelLabel(report.level),
    summary: LL.pick(report.summary),
    reasons: LL.allReasons(report, LL.mainLink(report)).slice(0, 3).map((r) => ({
      message: LL.pick(r.message),
      evidence: LL.visible(String(r.evidence || "").slice(0, 200)),
    })),
    payloads,
    links,
  };
}

async function menuCheckLink(info, tab) {
  const url = info.linkUrl || "";
  if (!LL.isWebUrl(url)) {
    await toast(tab.id, info.frameId, { title: LL.t("menu_check_link"), error: LL.t("error_not_web") });
    return { ok: false, error: "not_web" };
  }
  try {
    const report = await checkUrl(url, { offline: Boolean(await listMatch(url)) });
    await toast(tab.id, info.frameId, toastFromReport(report, LL.t("menu_check_link")));
    return { ok: true, level: report.level, report };
  } catch (e) {
    await toast(tab.id, info.frameId, { title: LL.t("menu_check_link"), error: e.message });
    return { ok: false, error: e.code || String(e) };
  }
}

const RASTER_DATA = /^data:image\/(png|jpeg|jpg|gif|webp|bmp);base64,([A-Za-z0-9+/=\s]+)$/i;

async function blobToBase64(blob) {
  const buf = new Uint8Array(await blob.arrayBuffer());
  let s = "";
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Crop the element's rectangle out of a screenshot of the visible tab (for tainted images). */
async function cropFromScreenshot(tab, rect) {
  if (!tab.active) {
    await ext.tabs.update(tab.id, { active: true }); // only the visible tab can be captured
    await new Promise((r) => setTimeout(r, 150));
  }
  const shot = await ext.tabs.captureVisibleTab(tab.windowId, { format: "png" });
  const bmp = await createImageBitmap(await (await fetch(shot)).blob());
  const dpr = rect.dpr || 1;
  const sx = Math.max(0, Math.floor(rect.x * dpr));
  const sy = Math.max(0, Math.floor(rect.y * dpr));
  const sw = Math.min(bmp.width - sx, Math.ceil(rect.w * dpr));
  const sh = Math.min(bmp.height - sy, Math.ceil(rect.h * dpr));
  if (sw < 8 || sh < 8) throw new ApiError("offscreen", LL.t("error_image_hidden"));
  const pad = Math.round(Math.min(sw, sh) * 0.05); // keep a little quiet zone around the code
  const x0 = Math.max(0, sx - pad);
  const y0 = Math.max(0, sy - pad);
  const w0 = Math.min(bmp.width - x0, sw + 2 * pad);
  const h0 = Math.min(bmp.height - y0, sh + 2 * pad);
  const canvas = new OffscreenCanvas(w0, h0);
  canvas.getContext("2d").drawImage(bmp, x0, y0, w0, h0, 0, 0, w0, h0);
  return blobToBase64(await canvas.convertToBlob({ type: "image/png" }));
}

/** The pixels of the image the user pointed at, as base64, without fetching it again. */
async function grabImage(info, tab) {
  const src = info.srcUrl || "";
  const m = RASTER_DATA.exec(src);
  if (m) return m[2].replace(/\s+/g, ""); // data: image: the bytes are in the URL itself
  const ans = await ext.tabs.sendMessage(tab.id, { type: "content:grabImage", srcUrl: src, maxSide: MAX_IMAGE_SIDE },
    { frameId: info.frameId || 0 });
  if (ans && ans.dataUrl) {
    const d = RASTER_DATA.exec(ans.dataUrl);
    if (d) return d[2];
  }
  if (ans && ans.rect) return cropFromScreenshot(tab, ans.rect);
  throw new ApiError("no_image", LL.t("error_no_image"));
}

async function menuScanQr(info, tab) {
  let b64;
  try {
    b64 = await grabImage(info, tab);
  } catch (e) {
    await toast(tab.id, info.frameId, { title: LL.t("menu_scan_qr"), error: e.message || String(e) });
    return { ok: false, error: e.code || "no_image" };
  }
  try {
    const report = await api("scan", { method: "POST", body: { image_base64: b64 }, timeout: SCAN_TIMEOUT_MS });
    for (const l of report.links || []) {
      if (l.url) await cacheReport(l.url, report);
    }
    await toast(tab.id, info.frameId, toastFromReport(report, LL.t("menu_scan_qr")));
    return { ok: true, level: report.level, report };
  } catch (e) {
    const msg = e.code === "no_code_found" ? LL.t("error_no_code") : e.message;
    await toast(tab.id, info.frameId, { title: LL.t("menu_scan_qr"), error: msg });
    return { ok: false, error: e.code || String(e) };
  }
}

async function onMenuClicked(info, tab) {
  if (!tab || tab.id === undefined) return { ok: false, error: "no_tab" };
  if (info.menuItemId === MENU_CHECK_LINK) return menuCheckLink(info, tab);
  if (info.menuItemId === MENU_SCAN_QR) return menuScanQr(info, tab);
  return { ok: false, error: "unknown_menu" };
}
