/* LureLens background, part 1 of 3: the declarativeNetRequest rules (see sw.js).
 *
 * Known-bad list domains become redirect rules to warning.html#<url> (the request never leaves the
 * browser), user-trusted sites an allow rule, "Open anyway" a per-tab session rule, and a held link
 * a per-tab session block until its verdict. Runs in the background's global scope: the state, the
 * API and the helpers of sw.js are used at call time, never at load time.
 */
"use strict";

// Rule ids: 1 = user-trusted sites; >= 100000 belong to the list sync: 200000.. = list block
// (redirect) and 300000.. = list block for sub-frames. Session rules (proceed once): 1000..99999.
const TRUSTED_RULE_ID = 1;
const ALLOW_BASE = 100000;
const BLOCK_BASE = 200000;
const SUBFRAME_BASE = 300000;
const ONCE_BASE = 1000;
const HOLD_BASE = 500; // session rules 500..899: a held link's host, blocked in its tab until the verdict
const HOLD_SLOTS = 400;
const PRIO = { block: 1, trusted: 3, once: 4, hold: 5 };

const DOMAINS_PER_RULE = 1000; // requestDomains packed into one rule

/* ------------------------------------------------------------ DNR rules */

const warningUrl = () => ext.runtime.getURL("warning.html");

function validDomain(d) {
  return typeof d === "string" && d.length > 0 && d.length <= 253 && /^[a-z0-9.-]+$/.test(d) &&
    !d.startsWith(".") && !d.endsWith(".") && !d.includes("..");
}

function chunks(list, n) {
  const out = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

/** How many list rules fit, from the browser's own limits (checked at run time). */
function ruleBudget() {
  const regexMax = (DNR && DNR.MAX_NUMBER_OF_REGEX_RULES) || 1000;
  const dynMax = (DNR && (DNR.MAX_NUMBER_OF_DYNAMIC_RULES || DNR.MAX_NUMBER_OF_DYNAMIC_AND_SESSION_RULES)) ||
    5000;
  const unsafeMax = (DNR && DNR.MAX_NUMBER_OF_UNSAFE_DYNAMIC_RULES) || dynMax;
  // Redirect rules use a regexFilter (for \0) and are "unsafe"; keep half the regex budget free.
  return { redirect: Math.min(Math.floor(regexMax / 2), unsafeMax - 10), total: dynMax - 100 };
}

/**
 * Build the dynamic rules for a lists/rules answer (pure: exported for tests via self.LLTest).
 * Each rule packs up to DOMAINS_PER_RULE domains in `requestDomains` (which also matches
 * subdomains), so 1000 domains cost one regex rule instead of 1000.
 * The list's `allow` entries are exact-only roots (e.g. weebly.com, whose subdomains are often
 * listed as phishing): they are NOT turned into allow rules, which would match subdomains too;
 * a block entry equal to one is just left out. The service applies the allowlist on checks.
 */
function buildListRules(block, allow, budget, perRule = DOMAINS_PER_RULE) {
  const exact = new Set((allow || []).map((d) => String(d).toLowerCase()));
  const b = [...new Set((block || []).map((d) => String(d).toLowerCase()).filter(validDomain))]
    .filter((d) => !exact.has(d));
  const blockChunks = chunks(b, perRule).slice(0, Math.min(budget.redirect, Math.floor(budget.total / 2)));
  const rules = [];
  blockChunks.forEach((doms, i) => {
    rules.push({
      id: BLOCK_BASE + i,
      priority: PRIO.block,
      action: { type: "redirect", redirect: { regexSubstitution: warningUrl() + "#\\0" } },
      condition: { regexFilter: "^https?://.*", requestDomains: doms, resourceTypes: ["main_frame"] },
    });
    rules.push({
      id: SUBFRAME_BASE + i,
      priority: PRIO.block,
      action: { type: "block" },
      condition: { requestDomains: doms, resourceTypes: ["sub_frame"] },
    });
  });
  const inRules = blockChunks.reduce((n, c) => n + c.length, 0);
  return { rules, inRules, skipped: b.length - inRules };
}

// Fallback mode (no usable DNR): the block set lives in memory and webNavigation redirects.
let fallbackBlock = null;

async function syncRules(force) {
  await ready;
  const cfg = await config();
  let data;
  try {
    data = await api("lists/rules?limit=" + encodeURIComponent(cfg.ruleLimit), { force });
  } catch (e) {
    return { ok: false, error: e.code || String(e) };
  }
  if (!data || !Array.isArray(data.block)) return { ok: false, error: "bad_rules" };
  const version = String(data.version || data.built_at || "");
  if (!force && version && version === S.rulesVersion && S.ruleDomains > 0) {
    await setState({ rulesAt: Date.now() });
    return { ok: true, version, domains: S.ruleDomains, skipped: S.ruleSkipped || 0, unchanged: true };
  }
  const built = buildListRules(data.block, data.allow || [], ruleBudget());
  // Entries beyond the rules (the service's total, or what did not fit) are checked by the service
  // when a link is checked (click capture, context menu, popup).
  const total = Number(data.total_block) || data.block.length;
  built.skipped = Math.max(built.skipped, total - built.inRules);
  if (S.ruleMode === "dnr" && DNR) {
    try {
      const old = await DNR.getDynamicRules();
      const removeRuleIds = old.map((r) => r.id).filter((id) => id >= ALLOW_BASE);
      await DNR.updateDynamicRules({ removeRuleIds, addRules: built.rules });
    } catch (e) {
      // The browser refused the rules (limits, old version): use the documented fallback.
      console.warn("LureLens: DNR rules refused, using the webNavigation fallback:", String(e));
      await setState({ ruleMode: "fallback" });
    }
  }
  if (S.ruleMode === "fallback") {
    fallbackBlock = new Set(data.block.map((d) => String(d).toLowerCase()).filter(validDomain));
    await local.set({ fallbackBlock: [...fallbackBlock] });
  }
  await setState({ rulesVersion: version, rulesAt: Date.now(), ruleDomains: built.inRules,
    ruleSkipped: built.skipped });
  return { ok: true, version, domains: built.inRules, skipped: built.skipped, rules: built.rules.length };
}

async function syncTrustedRule() {
  const { trusted } = await config();
  const doms = trusted.filter(validDomain);
  if (!DNR) return;
  const addRules = doms.length ? [{
    id: TRUSTED_RULE_ID,
    priority: PRIO.trusted,
    action: { type: "allow" },
    condition: { requestDomains: doms, resourceTypes: ["main_frame", "sub_frame"] },
  }] : [];
  await DNR.updateDynamicRules({ removeRuleIds: [TRUSTED_RULE_ID], addRules });
}

/** The block-list entry (from the installed rules) that covers url's host, or "". */
async function listMatch(url) {
  const host = LL.hostOf(url);
  if (!host) return "";
  if (S.ruleMode === "fallback") {
    if (!fallbackBlock) fallbackBlock = new Set((await local.get({ fallbackBlock: [] })).fallbackBlock);
    return LL.matchDomain(host, fallbackBlock);
  }
  if (!DNR) return "";
  const rules = await DNR.getDynamicRules();
  for (const r of rules) {
    if (r.id < BLOCK_BASE || r.id >= SUBFRAME_BASE) continue;
    const m = LL.matchDomain(host, r.condition.requestDomains || []);
    if (m) return m;
  }
  return "";
}

/** Let `url`'s host load in this tab for the rest of the session ("Open anyway", once). */
async function allowOnceInTab(tabId, host) {
  if (!DNR || !DNR.updateSessionRules || tabId < 0 || !validDomain(host)) return;
  const { llOnce } = await session.get({ llOnce: { next: ONCE_BASE } });
  const id = llOnce.next;
  llOnce.next = id + 1 >= ALLOW_BASE ? ONCE_BASE : id + 1;
  await session.set({ llOnce });
  await DNR.updateSessionRules({
    removeRuleIds: [id],
    addRules: [{
      id,
      priority: PRIO.once,
      action: { type: "allow" },
      condition: { requestDomains: [host], tabIds: [tabId], resourceTypes: ["main_frame", "sub_frame"] },
    }],
  });
}

let holdSeq = 0;

/**
 * Back up the content script's hold: while a link is being checked, a session rule blocks top-level
 * loads of its host in that tab, so a page that navigates by itself (a handler that ran before the
 * click reached us, a timer, a form) cannot get there first. Returns the rule id, or 0.
 */
async function holdNavigation(tabId, url) {
  const host = LL.hostOf(url);
  if (!DNR || !DNR.updateSessionRules || tabId < 0 || !validDomain(host)) return 0;
  const id = HOLD_BASE + (holdSeq++ % HOLD_SLOTS);
  try {
    await DNR.updateSessionRules({
      removeRuleIds: [id],
      addRules: [{
        id,
        priority: PRIO.hold,
        action: { type: "block" },
        condition: { requestDomains: [host], tabIds: [tabId], resourceTypes: ["main_frame"] },
      }],
    });
    return id;
  } catch (e) {
    console.warn("LureLens: could not hold the navigation:", String(e));
    return 0;
  }
}

async function releaseHold(id) {
  if (id) await DNR.updateSessionRules({ removeRuleIds: [id] }).catch(() => undefined);
}
