"""The renderer's Chromium switches and in-page scripts (used by :mod:`scanner.pagerender`).

Kept apart so the guards can be read in one place: the switches make Chromium open no connection of
its own (docs/rendering.md); the init script keeps a page from submitting or leaving; the other two
read the DOM (open shadow roots included) and find "next step" buttons.
"""

from __future__ import annotations

import os

__all__ = ["FIND_NEXT_JS", "INIT_SCRIPT", "SNAPSHOT_JS", "chromium_flags"]


def chromium_flags(marker: str) -> list[str]:
    """Chromium switches: no connection of its own, bounded memory, and a marker to find its processes."""
    flags = [
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-breakpad",
        "--metrics-recording-only",
        "--safebrowsing-disable-auto-update",
        "--no-pings",
        "--dns-prefetch-disable",
        "--mute-audio",
        "--disable-features=NetworkPrediction,OptimizationHints,MediaRouter,DialMediaRouteProvider,"
        "AutofillServerCommunication,Translate,InterestFeedContentSuggestions,"
        "CertificateTransparencyComponentUpdater,PrivacySandboxSettings4,AcceptCHFrame,"
        # An http:// page stays http:// (the page's origin is the URL it was served from).
        "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,HttpsFirstModeV2ForEngagedSites",
        # Nothing escapes interception: no name resolves, and every connection (loopback included)
        # would go to a proxy whose own name does not resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=http://lurelens-no-proxy.invalid:9",
        "--proxy-bypass-list=<-loopback>",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--js-flags=--max-old-space-size=256",
        "--renderer-process-limit=2",
        f"--lurelens-render={marker}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.insert(0, "--no-sandbox")  # Chromium refuses to start its sandbox as root
    return flags


# Runs in every document before the page's own scripts: nothing is submitted, nothing leaves.
INIT_SCRIPT = r"""
(() => {
  addEventListener('submit', e => e.preventDefault(), true);
  try { HTMLFormElement.prototype.submit = function () {}; } catch (e) {}
  try { window.open = function () { return null; }; } catch (e) {}
  try { navigator.sendBeacon = function () { return false; }; } catch (e) {}
  for (const k of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel']) {
    try { Object.defineProperty(window, k, {value: undefined, configurable: false}); } catch (e) {}
  }
})();
"""

# The DOM with open shadow roots, capped.
SNAPSHOT_JS = r"""
(cap) => {
  const roots = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (roots.length > 200) return;
      if (el.shadowRoot) { roots.push(el.shadowRoot); walk(el.shadowRoot); }
    }
  };
  const d = document;
  if (!d.documentElement) return '';
  walk(d);
  const inner = (el) => el ? (el.getHTML ? el.getHTML({shadowRoots: roots}) : el.innerHTML) : '';
  const head = d.head ? d.head.innerHTML : '';
  const out = '<!DOCTYPE html><html><head>' + head + '</head><body>' + inner(d.body) + '</body></html>';
  return out.slice(0, cap);
}
"""

# Visible buttons whose words say "next step", open shadow roots included (innermost first).
FIND_NEXT_JS = r"""
([words, never, maxChars]) => {
  for (const f of document.forms) { try { f.noValidate = true; } catch (e) {} }
  const sel = 'button, a, input[type=button], input[type=submit], input[type=image], [role=button], '
            + '[onclick], [class*=btn], [class*=button], [class*=next], [class*=step]';
  const scopes = [document];
  for (let i = 0; i < scopes.length && scopes.length < 200; i++) {
    for (const el of scopes[i].querySelectorAll('*')) { if (el.shadowRoot) scopes.push(el.shadowRoot); }
  }
  const found = [];
  for (const el of scopes.flatMap(s => Array.from(s.querySelectorAll(sel)))) {
    if (found.length >= 12) break;
    const raw = el.innerText || el.value || el.getAttribute('aria-label') || el.title || '';
    const t = String(raw).replace(/\s+/g, '').toLowerCase();
    if (!t || t.length > maxChars) continue;
    if (!words.some(w => t.includes(w)) || never.some(w => t.includes(w))) continue;
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') continue;
    if (el.disabled) continue;
    found.push(el);
  }
  return found.filter(a => !found.some(b => b !== a && a.contains(b)));
}
"""
