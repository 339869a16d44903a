import { chromium } from "playwright-core";
const [base, user, pass, ...urls] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const width = Number(process.env.W ?? 1280);
const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale: "zh-CN" });
const page = await ctx.newPage();
await page.goto(`${base}/login`);
await page.getByLabel("账号").fill(user);
await page.getByLabel("密码").fill(pass);
await page.getByRole("button", { name: "登录" }).click();
await page.waitForLoadState("load");
if (process.env.EN) { await page.getByRole("button", { name: "English" }).click(); await page.waitForLoadState("load"); }
let n = 0;
for (const u of urls) {
  const r = await page.goto(`${base}${u}`);
  console.log(u, r.status(), page.url());
  await page.screenshot({ path: `/tmp/shots/${user}-${width}-${n++}.png`, fullPage: true });
}
await browser.close();
