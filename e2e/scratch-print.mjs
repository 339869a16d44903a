import { chromium } from "playwright-core";
const [base, user, pass, ...urls] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const ctx = await browser.newContext({ locale: "zh-CN" });
const page = await ctx.newPage();
await page.goto(`${base}/login`);
await page.getByLabel("账号").fill(user);
await page.getByLabel("密码").fill(pass);
await page.getByRole("button", { name: "登录" }).click();
await page.waitForLoadState("load");
let n = 0;
for (const u of urls) {
  await page.goto(`${base}${u}`);
  await page.pdf({ path: `/tmp/shots/print-${n++}.pdf`, format: "A4" });
}
await browser.close();
