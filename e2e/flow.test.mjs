// The month's loop in a real browser (Debian's Chromium, headless, driven by playwright-core):
// open the cockpit, drill down to an item, submit a report as a unit, accept it as the office,
// and see the item's and its parents' progress change on the cockpit. Every request the browser
// makes must go to 127.0.0.1. Screenshots are kept in target/e2e-screenshots/.
//
// Run: `cargo build -p tuijin && (cd e2e && npm ci && npm test)`. TUIJIN_BIN names the binary
// (default: ../target/debug/tuijin); CHROMIUM the browser (default: /usr/bin/chromium).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.TUIJIN_BIN ?? resolve(here, "../target/debug/tuijin");
const shots = resolve(here, "../target/e2e-screenshots");
mkdirSync(shots, { recursive: true });

let server, browser, base, accounts = {};
const data = mkdtempSync(join(tmpdir(), "tuijin-e2e-"));
const outside = [];

/** Starts `tuijin demo` on a free port and reads its URL and the generated passwords. */
function startDemo() {
  return new Promise((ok, fail) => {
    server = spawn(bin, ["demo", "--bind", "127.0.0.1:0"], { cwd: data, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => fail(new Error(`demo did not start:\n${out}`)), 120_000);
    server.stdout.on("data", (chunk) => {
      out += chunk;
      for (const m of out.matchAll(/^\s+(admin|office|leader|fgw)\s+\/\s+(\S+)/gm)) accounts[m[1]] = m[2];
      const url = out.match(/open (http:\/\/127\.0\.0\.1:\d+)\//);
      if (url && accounts.fgw) {
        clearTimeout(timer);
        ok(url[1]);
      }
    });
    server.stderr.on("data", () => {});
    server.on("exit", (code) => fail(new Error(`demo exited with ${code}:\n${out}`)));
  });
}

before(async () => {
  base = await startDemo();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
});

/** A fresh browser context whose every request is checked to stay on 127.0.0.1. */
async function visitor() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  ctx.on("request", (r) => {
    const u = new URL(r.url());
    if (u.protocol !== "data:" && u.protocol !== "file:" && u.hostname !== "127.0.0.1") outside.push(r.url());
  });
  return ctx;
}

async function logIn(ctx, name) {
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel("账号").fill(name);
  await page.getByLabel("密码").fill(accounts[name]);
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForLoadState("load");
  return page;
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const progressOf = async (locator) => (await locator.locator(".pb .v").first().innerText()).trim();

test("anonymous visitors land on the public portal", async () => {
  const ctx = await visitor();
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/portal$/);
  await page.getByRole("link", { name: /郑州/ }).first().click();
  await page.waitForLoadState("load");
  assert.ok(await page.locator("h2", { hasText: "公开事项" }).isVisible());
  await shot(page, "01-portal");
  await page.goto(`${base}/plans/zz-ncc-2017`);
  assert.match(page.url(), /\/login\?next=/, "the cockpit needs a log-in");
  await ctx.close();
});

test("cockpit, drill-down, report, review, and the cockpit moves", async () => {
  // The office opens the cockpit and drills down to an item.
  const office = await visitor();
  const op = await logIn(office, "office");
  assert.match(op.url(), /\/plans\/zz-ncc-2017$/, "the office lands on the cockpit");
  assert.ok(await op.locator("h2#overall").isVisible());
  await shot(op, "02-cockpit");
  await op.locator("section[aria-labelledby=major] tbody tr a").first().click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/items\//);
  await shot(op, "03-item");

  // The unit finds an item of its own that is not done, and reports 100 % on it.
  const unit = await visitor();
  const up = await logIn(unit, "fgw");
  assert.match(up.url(), /\/workspace$/, "a unit lands on its workspace");
  await shot(up, "04-workspace");
  // Only the lead unit's accepted report moves an item; co-operating rows are marked.
  assert.ok((await up.locator("tbody tr[data-role=co]").count()) > 0, "co-operating items are listed");
  const rows = up.locator("tbody tr[data-role=lead]");
  let code = null;
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const p = await progressOf(row);
    const link = row.locator("a[href^='/workspace/report/']");
    if (!p.startsWith("100%") && (await link.count()) > 0) {
      code = (await link.getAttribute("href")).split("/").pop();
      break;
    }
  }
  assert.ok(code, "the unit has an unfinished item to report on");

  // Before: the item, its parent, and the cockpit row of its top-most ancestor shown there.
  await op.goto(`${base}/plans/zz-ncc-2017/items/${code}`);
  const itemBefore = await progressOf(op.locator("main"));
  const parentHref = await op.locator(".crumbs a").first().getAttribute("href");
  const chain = [];
  for (let href = parentHref; href; ) {
    await op.goto(base + href);
    chain.push({ href, before: await progressOf(op.locator("main")) });
    const up = op.locator(".crumbs a");
    href = (await up.count()) > 0 ? await up.first().getAttribute("href") : null;
  }
  await op.goto(`${base}/plans/zz-ncc-2017`);
  const onCockpit = chain.filter((c) => c.href).map((c) => c.href);
  let cockpitRow = null;
  for (const href of onCockpit) {
    const row = op.locator(`section[aria-labelledby=major] tr:has(a[href="${href}"])`);
    if ((await row.count()) > 0) { cockpitRow = href; break; }
  }
  const cockpitBefore = cockpitRow
    ? await progressOf(op.locator(`section[aria-labelledby=major] tr:has(a[href="${cockpitRow}"])`))
    : null;

  await up.goto(`${base}/workspace/report/zz-ncc-2017/${code}`);
  await up.getByLabel(/完成百分比/).fill("100");
  await up.getByLabel("完成情况").fill("浏览器测试：全部完成");
  await shot(up, "05-report-form");
  await up.getByRole("button", { name: "提交审核" }).click();
  await up.waitForLoadState("load");
  assert.ok(await up.locator(".notice.good").isVisible(), "the unit is told it was submitted");

  // The office accepts it in the review queue.
  await op.goto(`${base}/review`);
  const row = op.locator("tbody tr", { hasText: "浏览器测试：全部完成" });
  // Each report says the unit's role, its previous accepted figure and the change.
  for (const head of ["角色", "上次认定", "变化"]) {
    assert.ok(await op.locator("thead th", { hasText: head }).isVisible(), `review column ${head}`);
  }
  assert.ok((await row.locator("td", { hasText: "牵头" }).count()) > 0, "the lead unit's report says so");
  await row.locator("input[type=checkbox]").check();
  await shot(op, "06-review");
  await op.getByRole("button", { name: "采纳所选" }).click();
  await op.waitForLoadState("load");
  assert.ok(await op.locator(".notice.good").isVisible());

  // After: the item is at 100 %, its parents moved, and so did the cockpit.
  await op.goto(`${base}/plans/zz-ncc-2017/items/${code}`);
  const itemAfter = await progressOf(op.locator("main"));
  assert.match(itemAfter, /^100%/);
  assert.notEqual(itemAfter, itemBefore);
  await shot(op, "07-item-after");
  for (const c of chain) {
    await op.goto(base + c.href);
    const now = await progressOf(op.locator("main"));
    assert.notEqual(now, c.before, `${c.href} should have moved from ${c.before}`);
  }
  assert.ok(cockpitRow, "an ancestor of the item is a major task on the cockpit");
  {
    await op.goto(`${base}/plans/zz-ncc-2017`);
    const after = await progressOf(op.locator(`section[aria-labelledby=major] tr:has(a[href="${cockpitRow}"])`));
    assert.notEqual(after, cockpitBefore, `the cockpit row of ${cockpitRow} moved`);
    await shot(op, "08-cockpit-after");
  }
  await office.close();
  await unit.close();
});

test("tree, timeline, history and English", async () => {
  const ctx = await visitor();
  const page = await logIn(ctx, "leader");
  // The leader's first screen: the 2020 stage goals with their attainment (the trillion-yuan
  // goal achieved by GDP), the nine supporting projects, the key indicators, whom to call.
  await page.goto(`${base}/plans/zz-ncc-2017`);
  const leader = page.locator("section.leader");
  assert.ok(await leader.isVisible(), "the leader's view is on the cockpit");
  assert.ok(await leader.getByText("G2020.3").isVisible());
  assert.ok((await leader.getByText(/已实现：2018-12-31/).count()) > 0, "GDP goal achieved, with its date");
  const projects = leader.locator("h3:has-text('支撑性工程') + div table tbody tr");
  assert.equal(await projects.count(), 9, "the nine supporting projects");
  assert.ok((await leader.getByText("地铁运营里程").count()) > 0, "metro km among the key indicators");
  // Each key indicator with a small chart: the path to target and the published figures.
  const sparks = leader.locator("td.spark svg");
  assert.ok((await sparks.count()) >= 2, "indicator charts on the leader's view");
  assert.ok((await leader.locator("td.spark svg circle").count()) >= 2, "figures drawn as dots");
  await shot(page, "17-leader-cockpit");
  await page.goto(`${base}/plans/zz-ncc-2017/tree`);
  await page.locator("a.toggle[aria-expanded=false]").first().click();
  await page.waitForLoadState("load");
  assert.ok((await page.locator("a.toggle[aria-expanded=true]").count()) > 0, "a branch opens");
  await shot(page, "09-tree");
  await page.goto(`${base}/plans/zz-ncc-2017/timeline`);
  assert.ok(await page.locator("svg.gantt").isVisible());
  await shot(page, "10-timeline");
  await page.goto(`${base}/plans/zz-ncc-2017/history?as_of=2018-12-31&from=2018-06-30`);
  assert.ok(await page.locator("h2", { hasText: "2018-12-31" }).first().isVisible());
  await shot(page, "11-history");
  await page.getByRole("button", { name: "English" }).click();
  await page.waitForLoadState("load");
  assert.equal(await page.locator("html").getAttribute("lang"), "en");
  await page.goto(`${base}/plans/zz-ncc-2017`);
  assert.ok(await page.getByRole("link", { name: "Cockpit" }).isVisible());
  await shot(page, "12-cockpit-en");
  // The keyboard reaches the page: the first Tab lands on the skip link.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.className), "skip");
  // Printing: navigation and forms drop out, and the page comes out as A4 PDF pages.
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator("header.top").isVisible(), false, "no navigation on paper");
  const pdf = await page.pdf({ path: join(shots, "14-cockpit-print.pdf"), format: "A4" });
  assert.ok(pdf.length > 10_000, "a real PDF");
  await page.emulateMedia({ media: "screen" });
  // A phone's width: the page still fits.
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `no sideways scrolling at phone width (${width}px)`);
  await shot(page, "13-cockpit-phone");
  await ctx.close();
});

test("the warnings page is the office's chase list, and an item fits a phone", async () => {
  const ctx = await visitor();
  const page = await logIn(ctx, "office");
  await page.goto(`${base}/plans/zz-ncc-2017/warnings`);
  const rows = page.locator("table tbody tr");
  const n = await rows.count();
  assert.ok(n >= 10 && n <= 100, `tens of warnings, not half the plan (${n})`);
  // Most severe first.
  assert.ok(await rows.first().locator(".sev-high").isVisible(), "a high-severity warning heads the list");
  await shot(page, "15-warnings");
  await page.selectOption("#kind", "report_missing");
  await page.getByRole("button", { name: "查看" }).click();
  await page.waitForLoadState("load");
  assert.match(page.url(), /kind=report_missing/);
  for (const cell of await page.locator("table tbody tr td:nth-child(3)").allInnerTexts()) {
    assert.equal(cell.split("\n")[0].trim(), "未按期填报");
  }
  // From the cockpit, the chase list is one click away.
  await page.goto(`${base}/plans/zz-ncc-2017`);
  await page.locator("section[aria-labelledby=warnings] a[href$='/warnings']").click();
  await page.waitForLoadState("load");
  assert.match(page.url(), /\/warnings$/);
  // An item page at a phone's width: no sideways scrolling, the chart scales down.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/plans/zz-ncc-2017/items/E1.1`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `the item page fits a phone (${width}px)`);
  await shot(page, "16-item-phone");
  await ctx.close();
});

test("a notice from the proposal queue to 销号, with evidence, as the office and as the unit", async () => {
  // The unit's items: those it leads.
  const unit = await visitor();
  const up = await logIn(unit, "fgw");
  const mine = new Set();
  for (const a of await up.locator("tbody tr[data-role=lead] a[href*='/items/']").all()) {
    mine.add((await a.getAttribute("href")).split("/items/")[1]);
  }
  // The office opens the queue the warnings call for, dismisses one proposal with a reason,
  // and takes up one on an item fgw leads.
  const office = await visitor();
  const op = await logIn(office, "office");
  await op.goto(`${base}/plans/zz-ncc-2017`);
  await op.getByRole("link", { name: /督办建议 \d+ 条/ }).first().click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/notices\/proposals$/);
  await shot(op, "17-proposals");
  const rows = op.locator("tbody tr:has(input[name=items])");
  let chosen, other;
  for (const r of await rows.all()) {
    const code = await r.locator("input[name=items]").getAttribute("value");
    if (!chosen && mine.has(code)) chosen = code;
    else if (!other && !mine.has(code)) other = code;
  }
  assert.ok(chosen, `a proposal on an item fgw leads (${[...mine].join(", ")})`);
  const dismissRow = op.locator(`tbody tr:has(input[value="${other}"])`);
  await dismissRow.locator("summary", { hasText: "忽略" }).click();
  await dismissRow.locator("textarea[name=reason]").fill("已列入市领导专题调度会");
  await dismissRow.getByRole("button", { name: "忽略" }).click();
  await op.waitForLoadState("load");
  assert.ok(await op.getByText("已列入市领导专题调度会").isVisible(), "listed with its reason");
  await op.locator(`tbody tr:has(input[value="${chosen}"])`).getByRole("link", { name: "编辑后发起" }).click();
  await op.waitForLoadState("load");
  assert.match(await op.getByLabel("办理要求").inputValue(), /经监测发现/, "the proposal's text");
  await op.getByRole("button", { name: "发起督办" }).click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/notices\/\d+$/, "the notice's own page");
  const at = op.url();
  assert.ok((await op.getByText(/督办〔2020〕\d+号/).count()) > 0, "numbered in the office's format");
  assert.ok(await op.getByText("交办时的情况").isVisible(), "the facts, frozen at issue");
  assert.ok(await op.locator(".letterhead").isVisible(), "the office's letterhead");
  await shot(op, "18-notice-issued");
  // The unit sees the count in its navigation, signs, and replies with a file.
  await up.goto(`${base}/workspace`);
  assert.ok(await up.locator("nav .badge").isVisible(), "a count of notices to answer");
  assert.ok(await up.getByText(/待办督办单/).isVisible());
  await up.goto(at);
  await up.getByRole("button", { name: "签收" }).click();
  await up.waitForLoadState("load");
  await up.locator("form.act textarea[name=text]").first().fill("已报送赶工方案，月底前恢复节点。");
  await up.locator("form.act input[type=file]").setInputFiles({
    name: "赶工方案.txt", mimeType: "text/plain", buffer: Buffer.from("一、增加作业面\n二、月底前恢复节点\n"),
  });
  await up.getByRole("button", { name: "提交反馈" }).click();
  await up.waitForLoadState("load");
  assert.ok((await up.getByText("已报送赶工方案，月底前恢复节点。").count()) > 0);
  // The office verifies: downloads the evidence (an attachment, never shown inline), closes.
  await op.goto(at);
  const link = op.getByRole("link", { name: "赶工方案.txt" });
  const res = await op.request.get(`${base}${await link.getAttribute("href")}`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-disposition"], /^attachment;/);
  assert.equal(res.headers()["x-content-type-options"], "nosniff");
  assert.match(await res.text(), /月底前恢复节点/);
  await op.getByRole("button", { name: "审核销号" }).click();
  await op.waitForLoadState("load");
  for (const step of ["督办单交办", "督办单签收", "添加佐证材料", "督办单反馈", "督办单销号"]) {
    assert.ok((await op.getByText(step).count()) > 0, step);
  }
  assert.ok((await op.getByText("已销号").count()) > 0);
  await shot(op, "19-notice-closed");
  // The board lists it, and the sample notices with their levels.
  await op.goto(`${base}/plans/zz-ncc-2017/notices`);
  assert.ok((await op.locator(".lvl-red").count()) > 0, "a late notice has risen to red");
  await shot(op, "20-notices-board");
});

test("an assessment run from the office's form to the unit's objection and the corrected run", async () => {
  // The office opens 考核 from the navigation: the demo's published quarters.
  const office = await visitor();
  const op = await logIn(office, "office");
  await op.getByRole("navigation").getByRole("link", { name: "考核" }).click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/plans\/zz-ncc-2017\/assessments$/);
  assert.ok((await op.getByRole("link", { name: "2020-Q1" }).count()) > 0, "the demo's runs");
  await shot(op, "21-assessments");
  // A half-year run: a draft, then locked, then published.
  await op.getByLabel("考核期").fill("2019-H2");
  await op.getByRole("button", { name: "计算" }).click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/assessments\/\d+$/);
  const run = op.url();
  assert.ok(await op.getByText("草稿：仅市推进办可见").isVisible());
  assert.ok((await op.locator("table.ranking").count()) >= 3, "a ranking per category");
  await op.getByRole("button", { name: "锁定" }).click();
  await op.waitForLoadState("load");
  assert.equal(await op.getByRole("button", { name: "作废草稿" }).count(), 0, "a locked run stays");
  await op.getByRole("button", { name: "发布" }).click();
  await op.waitForLoadState("load");
  assert.ok((await op.locator(".run-published").count()) > 0);
  await shot(op, "22-assessment-run");

  // The unit finds its result in its workspace, reads the lines, and objects.
  const unit = await visitor();
  const up = await logIn(unit, "fgw");
  const mine = up.locator("section[aria-labelledby^=asm-] a", { hasText: "2019-H2" });
  assert.ok(await mine.isVisible(), "the new result in the workspace");
  await mine.click();
  await up.waitForLoadState("load");
  assert.match(up.url(), /\/units\/FGW$/);
  assert.ok(await up.locator("h2", { hasText: "按时报送" }).isVisible());
  assert.ok((await up.locator("table.lines a[href*='/items/']").count()) > 0, "lines link to items");
  await shot(up, "23-scorecard");
  await up.getByLabel(/申诉理由/).fill("五月进度已于6月3日报送，请核实。");
  await up.getByRole("button", { name: "提出申诉" }).click();
  await up.waitForLoadState("load");
  assert.ok(await up.getByText("申诉待答复").isVisible());

  // The office upholds it with a corrected run; the published run is kept and says so.
  await op.goto(run);
  await op.locator("form.act textarea[name=answer]").fill("经核实，申诉成立，重新计算。");
  await op.getByLabel(/申诉成立/).check();
  await op.getByRole("button", { name: "答复申诉" }).click();
  await op.waitForLoadState("load");
  assert.notEqual(op.url(), run, "the corrected run's page");
  assert.ok(await op.getByText("本次为更正结果").isVisible());
  const correction = op.url();
  await op.goto(run);
  assert.ok(await op.getByText("正在准备更正结果").isVisible(), "a draft correction replaces nothing yet");
  // Once the correction is locked and published, it stands; the original says so.
  await op.goto(correction);
  await op.getByRole("button", { name: "锁定" }).click();
  await op.waitForLoadState("load");
  await op.getByRole("button", { name: "发布" }).click();
  await op.waitForLoadState("load");
  await op.goto(run);
  assert.ok(await op.getByText("本次结果已被更正").isVisible());
  assert.ok(await op.getByText("经核实，申诉成立，重新计算。").isVisible());

  // The leader sees the rankings on the cockpit; the scorecard fits a phone, in English too.
  const leader = await visitor();
  const lp = await logIn(leader, "leader");
  assert.ok(await lp.locator("h2#ranking").isVisible(), "rankings on the leader's cockpit");
  await shot(lp, "24-leader-rankings");
  await up.setViewportSize({ width: 390, height: 844 });
  await up.goto(up.url().split("#")[0]);
  const wide = await up.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 400, `the scorecard fits a phone (${wide}px)`);
  await shot(up, "25-scorecard-phone");
  await up.getByRole("button", { name: "English" }).click();
  await up.waitForLoadState("load");
  assert.ok(await up.locator("h2", { hasText: "Reporting" }).isVisible());
  await shot(up, "26-scorecard-english");
  await Promise.all([office.close(), unit.close(), leader.close()]);
});

test("the office moves a deadline with a reason; the slip stays visible; a leader gives an instruction", async () => {
  const office = await visitor();
  const op = await logIn(office, "office");
  await op.goto(`${base}/plans/zz-ncc-2017/items/E1.2`);
  await op.getByRole("link", { name: "修改", exact: true }).click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/items\/E1\.2\/edit$/);
  // Without a reason: refused, nothing changed, the problem beside its field.
  await op.getByLabel("完成时限").fill("2018-06-30");
  await op.getByRole("button", { name: "保存修改" }).click();
  await op.waitForLoadState("load");
  assert.ok((await op.locator(".field.invalid #reason").count()) > 0, "the reason is marked");
  await op.getByLabel("修改原因").fill("四环快速化工程征迁延后，经市政府常务会议研究顺延");
  await op.getByRole("button", { name: "保存修改" }).click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/items\/E1\.2$/);
  assert.ok(await op.getByText("（基线 2017-12-31，+181 天）").isVisible(), "the slip against the plan as adopted");
  assert.ok((await op.getByText("征迁延后").count()) > 0, "the reason in the history");
  await shot(op, "27-item-slip");
  await op.goto(`${base}/plans/zz-ncc-2017/timeline?branch=E1`);
  assert.ok((await op.locator("svg .baseline").count()) > 0, "the baseline drawn beside the current date");
  await op.goto(`${base}/plans/zz-ncc-2017/baselines`);
  assert.ok((await op.locator("td", { hasText: "+181" }).count()) > 0);
  await shot(op, "28-baselines");
  // A new work item under E1 from the tree's action.
  await op.goto(`${base}/plans/zz-ncc-2017/items/E1/new`);
  await op.getByLabel("编号", { exact: true }).fill("E1.9");
  await op.getByLabel("名称", { exact: true }).fill("轨道交通四期建设规划报批");
  await op.getByLabel("修改原因").fill("市推进办会议新增");
  await op.getByRole("button", { name: "新增事项" }).click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/items\/E1\.9$/);
  // A leader gives an instruction; a unit sees it and cannot edit.
  const leader = await visitor();
  const lp = await logIn(leader, "leader");
  await lp.goto(`${base}/plans/zz-ncc-2017/items/E1.2`);
  assert.equal(await lp.locator("a[href$='/edit']").count(), 0, "a leader does not edit");
  // (The leader may have chosen English in an earlier test: the form by its fields.)
  await lp.locator("form[action$='/notes'] textarea[name=text]").fill("请市交通委每周调度一次。");
  await lp.locator("form[action$='/notes'] button[type=submit]").click();
  await lp.waitForLoadState("load");
  assert.ok(await lp.locator("li.instruction", { hasText: "请市交通委每周调度一次。" }).isVisible());
  const unit = await visitor();
  const up = await logIn(unit, "fgw");
  await up.goto(`${base}/plans/zz-ncc-2017/items/E1.2`);
  assert.ok(await up.locator("li.instruction", { hasText: "请市交通委每周调度一次。" }).isVisible());
  assert.equal(await up.locator("a[href$='/edit']").count(), 0, "a unit does not edit");
  // The unit asks for a change to an item it leads; the office approves from its queue.
  await up.goto(`${base}/plans/zz-ncc-2017/items/T2.4`);
  await up.locator("a[href$='/T2.4/request']").click();
  await up.waitForLoadState("load");
  await up.locator("#due").fill("2020-10-31");
  await up.locator("#reason").fill("提前完成：项目已具备验收条件");
  await up.locator("form button[type=submit]").last().click();
  await up.waitForLoadState("load");
  assert.match(up.url(), /\/workspace/);
  assert.ok((await up.locator("#requests li", { hasText: "T2.4" }).count()) > 0, "the request in the workspace");
  await op.goto(`${base}/plans/zz-ncc-2017`);
  await op.getByRole("link", { name: /调整申请 1 件待审批/ }).click();
  await op.waitForLoadState("load");
  await shot(op, "29-change-requests");
  await op.getByRole("button", { name: "批准", exact: true }).click();
  await op.waitForLoadState("load");
  assert.ok(await op.getByText("没有待审批的调整申请。").isVisible());
  await op.goto(`${base}/plans/zz-ncc-2017/items/T2.4`);
  assert.ok(await op.getByText("（基线 2020-12-31，-61 天）").isVisible(), "the approved change, against the baseline");
  await Promise.all([office.close(), leader.close(), unit.close()]);
});

test("the office keeps the plan's settings, units and people; a unit takes back a request", async () => {
  const office = await visitor();
  const op = await logIn(office, "office");
  await op.goto(`${base}/plans/zz-ncc-2017`);
  await op.getByRole("link", { name: "规划管理", exact: true }).click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/plans\/zz-ncc-2017\/settings$/);
  // Thresholds out of order: refused beside them; then a good change with its reason.
  await op.locator("input[name=at_risk]").fill("20");
  await op.locator("#f-reason").fill("按市政府要求从严预警");
  await op.getByRole("button", { name: "保存修改" }).click();
  await op.waitForLoadState("load");
  assert.ok(await op.locator("fieldset.invalid#f-thresholds").isVisible(), "the thresholds are marked");
  await op.locator("input[name=at_risk]").fill("4");
  await op.getByRole("button", { name: "保存修改" }).click();
  await op.waitForLoadState("load");
  assert.ok(await op.getByText("已保存。").isVisible());
  await shot(op, "30-settings");
  // A person's phone for the chase list.
  await op.getByRole("link", { name: "责任人", exact: true }).click();
  await op.waitForLoadState("load");
  await op.locator("tbody a[href*='/people/']").first().click();
  await op.waitForLoadState("load");
  await op.locator("#f-phone").fill("0371-67188000 转 8001");
  await op.locator("#f-reason").fill("补充联系电话");
  await op.getByRole("button", { name: "保存修改" }).click();
  await op.waitForLoadState("load");
  assert.ok(await op.locator("td a[href^='tel:']", { hasText: "0371-67188000 转 8001" }).first().isVisible());
  await op.setViewportSize({ width: 390, height: 900 });
  await shot(op, "31-people-phone");
  await op.setViewportSize({ width: 1280, height: 900 });
  // A unit asks for a change and takes it back from its workspace.
  const unit = await visitor();
  const up = await logIn(unit, "fgw");
  await up.goto(`${base}/plans/zz-ncc-2017/items/T2.4/request`);
  await up.locator("#due").fill("2020-11-30");
  await up.locator("#reason").fill("征迁延后");
  await up.locator("form button[type=submit]").last().click();
  await up.waitForLoadState("load");
  assert.match(up.url(), /\/workspace/, "the request was filed");
  // (The unit may have chosen English in an earlier test: the form by its action.)
  const pending = up.locator("#requests form[action$='/withdraw']");
  assert.equal(await pending.count(), 1, "one pending request to take back");
  await pending.locator("button").click();
  await up.waitForLoadState("load");
  assert.equal(await up.locator("#requests form[action$='/withdraw']").count(), 0, "withdrawn");
  await Promise.all([office.close(), unit.close()]);
});

test("indicators: GDP met, the metro forecast short of 300 km, a revision with its reason", async () => {
  const ctx = await visitor();
  const lp = await logIn(ctx, "leader");
  // From the cockpit's tiles to the indicators (the leader may read English: by links).
  await lp.goto(`${base}/plans/zz-ncc-2017`);
  assert.ok(await lp.locator("ul.ind-tiles li").count() >= 4, "indicator tiles on the cockpit");
  await lp.locator("ul.ind-tiles a[href$='/indicators/gdp']").click();
  await lp.waitForLoadState("load");
  assert.match(lp.url(), /\/indicators\/gdp$/);
  // GDP met its 2020 target with the 2018 figure.
  assert.ok(await lp.locator("p.standing .st-done").isVisible(), "GDP shown as met");
  assert.match(await lp.locator("p.standing").innerText(), /2018-12-31/);
  assert.ok(await lp.locator(".indicator-chart svg").isVisible(), "the chart is drawn");
  // The metro: behind its path, forecast below 300 km with almost no chance.
  await lp.goto(`${base}/plans/zz-ncc-2017/indicators/metro_km`);
  assert.ok(await lp.locator("p.standing .st-off_track").isVisible(), "metro behind its path");
  const prob = await lp.locator("strong.prob").first().innerText();
  assert.match(prob, /<0\.1%/, prob);
  const value = parseFloat(await lp.locator("table.projections td[data-value]").first().getAttribute("data-value"));
  assert.ok(value < 300, `forecast ${value} km for 2020`);
  await shot(lp, "40-indicator-metro");
  await lp.setViewportSize({ width: 390, height: 900 });
  await shot(lp, "41-indicator-metro-phone");
  const width = await lp.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `no sideways scroll on a phone (${width})`);
  await lp.setViewportSize({ width: 1280, height: 900 });
  await lp.emulateMedia({ media: "print" });
  await shot(lp, "42-indicator-metro-print");
  await lp.emulateMedia({ media: "screen" });
  // As known on 2018-06-30: only the figures known then, no forecast yet.
  await lp.goto(`${base}/plans/zz-ncc-2017/indicators/metro_km?as_of=2018-06-30`);
  assert.equal(await lp.locator("table tbody tr", { hasText: "2019-09" }).count(), 0, "not known yet");
  // The forecast made in mid-2018 from the figures known then, beside what is known now.
  await lp.goto(`${base}/plans/zz-ncc-2017/indicators/gdp?as_of=2018-06-30`);
  assert.equal(await lp.locator("table.then-now tbody tr").count(), 1, "the 2020 projection made in 2018");
  // The list of every indicator.
  await lp.goto(`${base}/plans/zz-ncc-2017/indicators`);
  assert.ok(await lp.locator("table.indicators tbody tr").count() >= 8);
  await shot(lp, "43-indicators");
  // The owner (the development and reform commission) revises the 2019 GDP: a reason is asked for.
  const unit = await visitor();
  const up = await logIn(unit, "fgw");
  await up.goto(`${base}/workspace/figures/zz-ncc-2017/gdp`);
  await up.locator("#period").fill("2019");
  await up.locator("#value").fill("11589.7");
  await up.locator("#source").fill("2019年郑州市国民经济和社会发展统计公报（修订）");
  await up.locator("form button[type=submit]").last().click();
  await up.waitForLoadState("load");
  assert.ok(await up.locator("#reason-err").isVisible(), "a revision needs its reason");
  await up.locator("#reason").fill("统计局公布修订数");
  await up.locator("form button[type=submit]").last().click();
  await up.waitForLoadState("load");
  // Waiting for the office: listed, not counted.
  await up.goto(`${base}/plans/zz-ncc-2017/indicators/gdp`);
  assert.equal(await up.locator("tr.revised").count(), 0, "not counted before review");
  // The office accepts it on the review page.
  const office = await visitor();
  const op = await logIn(office, "office");
  await op.goto(`${base}/review`);
  const pending = op.locator("form[action^='/review/figures/zz-ncc-2017/']");
  assert.equal(await pending.count(), 1, "one figure to review");
  await shot(op, "45-figure-review");
  await pending.locator("button[value=accept]").click();
  await op.waitForLoadState("load");
  assert.equal(await op.locator("form[action^='/review/figures/']").count(), 0, "reviewed");
  await up.goto(`${base}/plans/zz-ncc-2017/indicators/gdp`);
  assert.ok(await up.locator("tr.revised").count() >= 1, "the revised figure is kept, struck through");
  assert.match(await up.locator("table tbody").first().innerText(), /统计局公布修订数/);
  await shot(up, "44-indicator-revision");
  await Promise.all([ctx.close(), unit.close(), office.close()]);
});

test("briefings: the office's quarterly PDF, a leader's monthly web page, none for a unit", async () => {
  const office = await visitor();
  const op = await logIn(office, "office");
  await op.goto(`${base}/plans/zz-ncc-2017`);
  await op.locator("nav a[href$='/briefings']").click();
  await op.waitForLoadState("load");
  await shot(op, "50-briefings");
  await op.setViewportSize({ width: 390, height: 900 });
  await shot(op, "51-briefings-phone");
  const width = await op.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 400, `no sideways scroll on a phone (${width})`);
  await op.setViewportSize({ width: 1280, height: 900 });
  // The 2019 third quarter as PDF: a page says it is being made, then offers the file.
  await op.locator("#cadence").selectOption("quarterly");
  await op.locator("#period").fill("2019-Q3");
  await op.locator("#format").selectOption("pdf");
  await op.locator("form.stack button[type=submit]").click();
  await op.waitForLoadState("load");
  assert.match(op.url(), /\/briefings\/[0-9a-f]{32}$/);
  await shot(op, "52-briefing-rendering");
  const link = op.locator("a[href$='/file']");
  await link.waitFor({ timeout: 120_000 });
  await shot(op, "53-briefing-ready");
  const [download] = await Promise.all([op.waitForEvent("download"), link.click()]);
  const pdf = join(data, "briefing.pdf");
  await download.saveAs(pdf);
  const text = execFileSync("pdftotext", ["-layout", pdf, "-"]).toString().replace(/\s+/g, "");
  for (const want of ["2019年第三季度·季推进", "数据截至2019-09-30", "总体情况", "预警情况", "地铁运营里程"]) {
    assert.ok(text.includes(want), `the PDF says ${want}`);
  }
  // A leader makes the June bulletin as a web page in English.
  const lctx = await visitor();
  const lp = await logIn(lctx, "leader");
  await lp.goto(`${base}/plans/zz-ncc-2017/briefings`);
  await lp.locator("#cadence").selectOption("monthly");
  await lp.locator("#period").fill("2020-06");
  await lp.locator("#format").selectOption("html");
  await lp.locator("#lang").selectOption("en");
  await lp.locator("form.stack button[type=submit]").click();
  const llink = lp.locator("a[href$='/file']");
  await llink.waitFor({ timeout: 120_000 });
  const [dl] = await Promise.all([lp.waitForEvent("download"), llink.click()]);
  const html = join(data, "briefing.html");
  await dl.saveAs(html);
  const page = readFileSync(html, "utf8");
  assert.match(page, /June 2020 · Monthly bulletin/);
  assert.match(page, /<svg/);
  // The file opens on its own, printable.
  const view = await lctx.newPage();
  await view.goto(`file://${html}`);
  await shot(view, "54-briefing-html");
  await view.emulateMedia({ media: "print" });
  await shot(view, "55-briefing-html-print");
  // A unit has no briefings: no link, and the page is refused.
  const uctx = await visitor();
  const up = await logIn(uctx, "fgw");
  await up.goto(`${base}/plans/zz-ncc-2017`);
  assert.equal(await up.locator("nav a[href$='/briefings']").count(), 0);
  const resp = await up.goto(`${base}/plans/zz-ncc-2017/briefings`);
  assert.equal(resp.status(), 403);
  await Promise.all([office.close(), lctx.close(), uctx.close()]);
});

test("no request left 127.0.0.1", () => {
  assert.deepEqual(outside, []);
});
