// Resident journeys in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// from search to receipt, with and without JavaScript, axe-core (WCAG 2.1 A/AA) on every page,
// screenshots saved to tests/browser/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const shots = path.join(here, "screenshots");
const bin = process.env.MADOGUCHI_BIN || path.join(root, "target/debug/madoguchi");
const chromePath = process.env.CHROMIUM || "/usr/bin/chromium";

let server, base, browser, dataDir;
let shotCount = 0;
const checked = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  dataDir = mkdtempSync(path.join(tmpdir(), "madoguchi-browser-"));
  const port = 30000 + Math.floor(Math.random() * 20000);
  base = `http://127.0.0.1:${port}`;
  server = spawn(bin, ["serve", "--demo", "--listen", `127.0.0.1:${port}`], {
    env: { ...process.env, MADOGUCHI_DATA_DIR: dataDir, MADOGUCHI_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 30000);
    server.stdout.on("data", (d) => { if (String(d).includes("listening")) { clearTimeout(timer); resolve(); } });
    server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  browser = await chromium.launch({
    executablePath: chromePath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  console.log(`axe-core checked ${checked.length} page states: ${checked.join(", ")}`);
});

async function newPage({ js = true, lang = "ja-JP" } = {}) {
  // bypassCSP lets axe-core be injected; the pages themselves allow only their own scripts.
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: lang, javaScriptEnabled: js, bypassCSP: true });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  return page;
}

async function shot(page, name) {
  shotCount += 1;
  await page.screenshot({ path: path.join(shots, `${String(shotCount).padStart(2, "0")}-${name}.png`), fullPage: true });
}

async function axe(page, name) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
  const problems = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  assert.deepEqual(problems, [], `accessibility violations on ${name}`);
  checked.push(name);
}

async function look(page, name, { check = true } = {}) {
  if (check) await axe(page, name);
  await shot(page, name);
}

async function sodaiGomiJourney(page, { check }) {
  await page.goto(`${base}/?lang=ja`);
  await look(page, "home", { check });
  await page.fill("#q", "粗大ゴミ");
  await page.press("#q", "Enter");
  await page.waitForURL(/\/search/);
  await look(page, "search-results", { check });
  await page.click('a[href="/procedures/sodai-gomi"]');
  await look(page, "procedure-online", { check });
  await page.click("button.button-start");
  await page.waitForURL(/\/apply\/.+\/applicant/);
  await look(page, "form-page-1", { check });

  // Continue without answering: an error summary that names each field.
  await page.click('button[value="continue"]');
  assert.match(await page.textContent(".error-summary"), /氏名の姓を入力してください|氏名/);
  await look(page, "form-page-1-errors", { check });
  await page.fill("#f-applicant_name-family", "山田");
  await page.fill("#f-applicant_name-given", "太郎");
  await page.fill("#f-applicant_name-fkana", "やまだ");
  await page.fill("#f-applicant_name-gkana", "ﾀﾛｳ");
  await page.fill("#f-phone", "０３−５５５５−１２３４");
  await page.fill("#f-email", "yamada@example.jp");
  await page.click('button[value="continue"]');
  await page.waitForURL(/\/place/);

  // 郵便番号 → 住所: the button works without JavaScript (the server fills it in).
  await page.fill("#f-collection_postal_code", "159-0001");
  await page.click('button[value="postal:collection_postal_code"]');
  await page.waitForLoadState();
  assert.equal(await page.inputValue("#f-collection_address-city"), "桜ヶ丘区");
  assert.equal(await page.inputValue("#f-collection_address-town"), "桜ヶ丘一丁目");
  await page.fill("#f-collection_address-block", "1-2-3");
  await page.check('input[name="housing_type"][value="house"]');
  await look(page, "form-page-2-address", { check });
  await page.click('button[value="continue"]');
  await page.waitForURL(/\/item_list/);

  await page.selectOption("#f-items-0-item_category", "chair");
  await look(page, "form-page-3-group", { check });
  await page.click('button[value="add:items"]');
  await page.waitForSelector("#f-items-1-item_category");
  await page.selectOption("#f-items-1-item_category", "table");
  await page.fill("#f-items-1-item_size", "幅120cm");
  await page.click('button[value="continue"]');
  await page.waitForURL(/\/date$/);

  await page.selectOption("#f-preferred_date-era", "令和");
  await page.fill("#f-preferred_date-year", "9");
  await page.fill("#f-preferred_date-month", "1");
  await page.fill("#f-preferred_date-day", "15");
  await page.check("#f-consent");
  await look(page, "form-page-4-date", { check });
  await page.click('button[value="continue"]');
  await page.waitForURL(/\/check$/);
  const summary = await page.textContent("main");
  assert.match(summary, /令和9年1月15日/);
  assert.match(summary, /ヤマダ タロウ/);
  assert.match(summary, /03-5555-1234/);
  await look(page, "check-answers", { check });
  await page.click("form[action$='/submit'] button");
  await page.waitForURL(/\/confirmation$/);
  const receipt = (await page.textContent(".receipt")).trim();
  assert.match(receipt, /^\d{4}-\d{6}$/);
  await look(page, "confirmation", { check });
  await page.click("a[href*='token=']");
  await page.waitForURL(/\/applications\/[^/]+\?token=/);
  assert.match(await page.textContent("main"), new RegExp(receipt));
  await look(page, "status", { check });
  return receipt;
}

async function journeyOrShot(page, opts, name) {
  try {
    return await sodaiGomiJourney(page, opts);
  } catch (e) {
    await page.screenshot({ path: path.join(shots, `failure-${name}.png`), fullPage: true });
    throw e;
  }
}

test("search to receipt with JavaScript, axe-clean on every page", async () => {
  const page = await newPage();
  const receipt = await journeyOrShot(page, { check: true }, "js");
  assert.ok(receipt);
  await page.context().close();
});

test("search to receipt without JavaScript", async () => {
  const page = await newPage({ js: false });
  const receipt = await journeyOrShot(page, { check: false }, "nojs");
  assert.ok(receipt);
  await page.context().close();
});

test("other resident pages are axe-clean in Japanese and English", async () => {
  const page = await newPage({ lang: "en-US" });
  const pages = [
    ["/?lang=en", "home-en"],
    ["/procedures/sodai-gomi", "procedure-en"],
    ["/life-events/moving?lang=ja", "life-event"],
    ["/departments/koseki-jumin", "department"],
    ["/procedures/tenshutsu", "procedure-2"],
    ["/search?q=zzzzzz", "search-none"],
    ["/resume/00000000-0000-0000-0000-000000000000", "resume"],
    ["/no-such-page", "not-found"],
  ];
  const snap = await (await fetch(`${base}/api/v1/procedures?online_status=external&limit=1`)).json();
  pages.push([`/procedures/${snap.items[0].id}`, "procedure-external"]);
  const off = await (await fetch(`${base}/api/v1/procedures?online_status=offline&limit=1`)).json();
  pages.push([`/procedures/${off.items[0].id}`, "procedure-offline"]);
  for (const [url, name] of pages) {
    await page.goto(base + url);
    await look(page, name);
  }
  // The English form page with an error state.
  await page.goto(`${base}/procedures/kusei-iken?lang=en`);
  await page.click("button.button-start");
  await page.click('button[value="continue"]');
  await page.waitForSelector(".error-summary");
  await look(page, "form-errors-en");
  await page.click('button[value="save"]');
  await page.waitForSelector(".code");
  await look(page, "saved");
  await page.context().close();
});

test("AI総合案内: in-page answer with JavaScript, pages and handoff without, kiosk; axe-clean", async () => {
  // With JavaScript: the form at the bottom of every page answers in place.
  const page = await newPage();
  await page.goto(`${base}/procedures/sodai-gomi`);
  await page.fill("#guide-widget-q", "児童手当はいつ振り込まれる？");
  await page.click("[data-guide-widget] button");
  await page.waitForSelector("[data-guide-output] .guide-turn");
  const turn = await page.textContent("[data-guide-output] .guide-turn");
  assert.match(turn, /児童手当/);
  assert.equal(new URL(page.url()).pathname, "/procedures/sodai-gomi", "answered without leaving the page");
  await look(page, "guide-widget-answer");
  await page.context().close();

  // Without JavaScript: the same form opens the guide page; a question without an answer
  // offers the handoff, which leads to the ticket page with its number.
  const plain = await newPage({ js: false });
  const urls = [];
  await plain.goto(`${base}/`);
  await plain.fill("#guide-widget-q", "住民票をとりたい");
  await plain.click("[data-guide-widget] button");
  await plain.waitForSelector("[data-answer]");
  assert.match(await plain.textContent("[data-answer]"), /戸籍住民課/);
  await look(plain, "guide-page-nojs", { check: false });
  assert.equal(new URL(plain.url()).search, "", "the question is posted, not put in the URL");
  urls.push([`${base}/guide?q=${encodeURIComponent("住民票をとりたい")}`, "guide-page"]);
  const choice = await plain.$(".choices a");
  if (choice) {
    await choice.click();
    await plain.waitForLoadState();
    await look(plain, "guide-choice-nojs", { check: false });
  urls.push([plain.url(), "guide-choice"]);
  }
  await plain.goto(`${base}/guide`);
  await plain.fill("#guide-q", "区役所の屋上でペンギンを見学できますか");
  await plain.click("form.guide-ask button");
  await plain.waitForSelector("form.panel-handoff");
  await look(plain, "guide-declined-nojs", { check: false });
  urls.push([`${base}/guide?q=${encodeURIComponent("区役所の屋上でペンギンを見学できますか")}`, "guide-declined"]);
  await plain.click("form.panel-handoff button");
  await plain.waitForSelector(".summary-list strong");
  assert.match(await plain.textContent(".summary-list strong"), /^G\d{4}-\d{6}$/);
  await look(plain, "guide-ticket-nojs", { check: false });
  urls.push([plain.url(), "guide-ticket"]);
  await plain.goto(`${base}/guide/sources/page-gomi`);
  await look(plain, "guide-source-nojs", { check: false });
  urls.push([plain.url(), "guide-source"]);
  await plain.context().close();
  // The same pages, checked by axe-core (which needs JavaScript to run).
  const checker = await newPage();
  for (const [url, name] of urls) {
    await checker.goto(url);
    await look(checker, name);
  }
  await checker.context().close();

  // The lobby kiosk, in English and Japanese.
  const kiosk = await newPage({ lang: "en-US" });
  await kiosk.goto(`${base}/guide/kiosk?q=${encodeURIComponent("粗大ごみの申込み方法")}`);
  await kiosk.waitForSelector("[data-answer]");
  await look(kiosk, "guide-kiosk-en");
  await kiosk.goto(`${base}/guide/kiosk?lang=ja`);
  await look(kiosk, "guide-kiosk-empty");
  await kiosk.context().close();
});
