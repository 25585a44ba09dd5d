// A small remote control for Debian's firefox-esr, driven by pytest (tests/browser/firefox/ffdriver.py).
//
// puppeteer-core speaks WebDriver BiDi to Firefox (no browser download). One JSON command per line
// on stdin, one JSON answer per line on stdout: {"id", "ok": true, "value"} or {"id", "ok": false,
// "error"}. Pages are named by small integers; "pages" also names the tabs the extension opened.
// BiDi refuses page.goto("moz-extension://…"), so extension pages are reached as a user reaches
// them: the warning page a blocked link redirects to, the options page the extension opens.
import puppeteer from "puppeteer-core";
import readline from "node:readline";

let browser = null;
const pages = new Map(); // id -> Page
let nextId = 1;

function idOf(page) {
  for (const [id, p] of pages) if (p === page) return id;
  const id = nextId++;
  pages.set(id, page);
  return id;
}

function pageOf(id) {
  const p = pages.get(id);
  if (!p) throw new Error(`no page ${id}`);
  return p;
}

/** Evaluate `fn` (a function's source) with `arg` in the page; promises are awaited. */
function evaluate(page, fn, arg) {
  return page.evaluate(`(${fn})(${JSON.stringify(arg === undefined ? null : arg)})`);
}

/** Poll `fn` in the page until it returns something truthy (navigations in between are fine). */
async function waitFor(page, fn, arg, timeout) {
  const end = Date.now() + (timeout || 15000);
  let last = null;
  for (;;) {
    try {
      const v = await evaluate(page, fn, arg);
      if (v) return v;
      last = v;
    } catch (e) {
      last = String(e && e.message || e);
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${fn}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const commands = {
  async launch({ executable, prefs, extension }) {
    browser = await puppeteer.launch({
      browser: "firefox",
      executablePath: executable,
      headless: true,
      extraPrefsFirefox: prefs || {},
      protocolTimeout: 60000,
    });
    const version = await browser.version();
    const id = extension ? await browser.installExtension(extension) : null;
    return { version, id };
  },
  async pages() {
    const out = [];
    for (const p of await browser.pages()) {
      let url = p.url();
      try {
        url = await p.evaluate("location.href");
      } catch (_e) {
        /* navigating */
      }
      out.push({ page: idOf(p), url });
    }
    return out;
  },
  async newPage() {
    return idOf(await browser.newPage());
  },
  async goto({ page, url, ms }) {
    // A DNR redirect to the extension's warning page never fires the load BiDi waits for: watch
    // for the tab showing a loaded moz-extension page too, and answer whichever comes first.
    const p = pageOf(page);
    let done = false;
    const nav = p.goto(url, { waitUntil: "load", timeout: ms || 15000 }).then(
      () => ({ error: null }),
      (e) => ({ error: String(e && e.message || e) }),
    );
    const redirected = (async () => {
      while (!done) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          const s = await p.evaluate("location.protocol + '|' + document.readyState");
          if (s === "moz-extension:|complete") return { error: null, extensionPage: true };
        } catch (_e) {
          /* between documents */
        }
      }
      return null;
    })();
    const result = await Promise.race([nav, redirected]);
    done = true;
    return result;
  },
  async eval({ page, fn, arg }) {
    return evaluate(pageOf(page), fn, arg);
  },
  async waitFor({ page, fn, arg, ms }) {
    return waitFor(pageOf(page), fn, arg, ms);
  },
  async click({ page, selector }) {
    await pageOf(page).click(selector);
    return true;
  },
  async type({ page, selector, text }) {
    const p = pageOf(page);
    await p.$eval(selector, (el) => { el.value = ""; });
    await p.type(selector, text);
    return true;
  },
  async viewport({ page, width, height }) {
    await pageOf(page).setViewport({ width, height });
    return true;
  },
  async screenshot({ page, path, fullPage }) {
    await pageOf(page).screenshot({ path, fullPage: Boolean(fullPage) });
    return path;
  },
  async close({ page }) {
    const p = pages.get(page);
    pages.delete(page);
    if (p) await p.close().catch(() => undefined);
    return true;
  },
  async quit() {
    if (browser) await browser.close().catch(() => undefined);
    browser = null;
    return true;
  },
};

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (_e) {
      return;
    }
    let answer;
    try {
      const fn = commands[msg.cmd];
      if (!fn) throw new Error(`unknown command ${msg.cmd}`);
      answer = { id: msg.id, ok: true, value: (await fn(msg.args || {})) ?? null };
    } catch (e) {
      answer = { id: msg.id, ok: false, error: String(e && e.stack || e) };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
    if (msg.cmd === "quit") process.exit(0);
  });
});
rl.on("close", async () => {
  await queue;
  if (browser) await browser.close().catch(() => undefined);
  process.exit(0);
});
