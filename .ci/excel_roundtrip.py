#!/usr/bin/env python3
"""The Excel round trip, with an independent reader and writer (openpyxl) on the real binary.

Against a fresh demo (the seed plan and its sample history, simulated today 2020-06-30):
  1. a unit's report template is exported; openpyxl opens it and checks its sheets, header,
     protection, data validation and rows; it is filled as a unit would (by header name) and
     uploaded through the API; the reports are there with the figures written;
  2. a broken template — a percent of 120 and one that is text, a changed locked cell, an unknown
     item code, another unit's item, a fall without a reason, a closed period — is refused by
     `tuijin excel import` with every problem listed at its cell, and nothing changes;
  3. the responsibility list opens and lists the unit's items;
  4. the plan workbook opens with openpyxl; imported into an empty database it gives back the
     same plan file (plan -> xlsx -> plan), and exported again the same cells (xlsx -> plan ->
     xlsx);
  5. past reports written by openpyxl load as history into that plan, and a broken file is
     refused with each problem at its cell.

Usage: .ci/excel_roundtrip.py TUIJIN_BINARY   (openpyxl must be importable)
"""

import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import openpyxl

BIN = os.path.realpath(sys.argv[1])
PLAN = "zz-ncc-2017"
UNIT = "FGW"
WORK = tempfile.mkdtemp(prefix="tuijin-excel-")
DATA = os.path.join(WORK, "data")
PORT = 18000 + random.randint(100, 899)
BASE = f"http://127.0.0.1:{PORT}"


def run(*args, ok=True, data=DATA):
    p = subprocess.run([BIN, *args, "--data", data], capture_output=True, text=True)
    if ok and p.returncode != 0:
        sys.exit(f"tuijin {' '.join(args)} failed:\n{p.stdout}{p.stderr}")
    return p


def api(method, path, token, body=None, ctype="application/json"):
    req = urllib.request.Request(BASE + path, data=body, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def check(cond, what):
    if not cond:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}")


def columns(ws):
    return {c.value: c.column for c in ws[1] if c.value}


def reports(token, period):
    s, b = api("GET", f"/api/v1/reports?plan={PLAN}&unit={UNIT}&period={period}", token)
    assert s == 200, b
    return json.loads(b)["items"]


demo = subprocess.Popen(
    [BIN, "demo", "--data", DATA, "--init", "--bind", f"127.0.0.1:{PORT}"],
    stdout=open(os.path.join(WORK, "demo.log"), "w"),
    stderr=subprocess.STDOUT,
)
try:
    for _ in range(240):
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=2)
            break
        except Exception:
            time.sleep(0.5)
    log = open(os.path.join(WORK, "demo.log")).read()
    office = re.search(r"tj_[A-Za-z0-9_-]+", log).group(0)
    fgw = run("token", "create", "fgw", "--label", "excel").stdout.strip()

    # 1. The template, read and filled by openpyxl, uploaded through the API.
    tpl = os.path.join(WORK, "fgw-2020-06.xlsx")
    t0 = time.time()
    run("excel", "template", "--plan", PLAN, "--unit", UNIT, "--period", "2020-06", "-o", tpl)
    print(f"template exported in {time.time() - t0:.2f}s")
    wb = openpyxl.load_workbook(tpl)
    check(wb.sheetnames == ["说明", "填报", "_key"], "sheets 说明, 填报, _key")
    check(wb["_key"].sheet_state == "hidden", "the key sheet is hidden")
    ws = wb["填报"]
    col = columns(ws)
    for h in ["事项编码", "事项名称", "本期进度（%）", "本期进展情况", "存在问题", "下步打算", "本期指标值"]:
        check(h in col, f"header names {h}")
    check(ws.protection.sheet, "the report sheet is protected")
    check(not ws.cell(2, col["本期进度（%）"]).protection.locked, "the percent cell is open")
    check(ws.cell(2, col["事项编码"]).protection.locked, "the item code is locked")
    dv = [d for d in ws.data_validations.dataValidation if d.type == "decimal"]
    check(any(str(d.sqref).startswith("I2") and float(d.formula1) == 0 and float(d.formula2) == 100 for d in dv),
          "percent validation 0-100")
    check("进展填报模板" in [c.value for c in wb["说明"]["A"]], "instructions in Chinese")
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["事项编码"]).value]
    check(len(rows) >= 5, f"{len(rows)} items to report on")
    open_rows = [r for r in rows if not ws.cell(r, col["本期状态"]).value
                 and not ws.cell(r, col["本期进度（%）"]).protection.locked]
    filled = {}
    for n, r in enumerate(open_rows[:3]):
        last = ws.cell(r, col["上次采纳进度（%）"]).value or 0
        pct = min(100.0, round(float(last) + 1.5 + n, 1))
        code = ws.cell(r, col["事项编码"]).value
        if n == 2:
            # Typed as "60%" in Excel: the value 0.6 shown with a percent format.
            ws.cell(r, col["本期进度（%）"]).value = pct / 100
            ws.cell(r, col["本期进度（%）"]).number_format = "0.0%"
        else:
            ws.cell(r, col["本期进度（%）"]).value = pct
        ws.cell(r, col["本期进展情况"]).value = f"{code} 本月推进顺利（自动测试）"
        ws.cell(r, col["下步打算"]).value = "继续推进"
        filled[code] = pct
    good = os.path.join(WORK, "good.xlsx")
    wb.save(good)
    before = len(reports(office, "2020-06"))
    t0 = time.time()
    s, b = api("POST", f"/api/v1/plans/{PLAN}/units/{UNIT}/template?submit=true", fgw, open(good, "rb").read(),
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    print(f"template imported in {time.time() - t0:.2f}s")
    check(s == 201, f"upload accepted ({s} {b[:200]!r})")
    got = {r["item"]: r for r in reports(office, "2020-06") if r["item"] in filled}
    check(len(reports(office, "2020-06")) == before + len(filled), "one new report per filled row")
    for code, pct in filled.items():
        check(got[code]["percent"] == pct and got[code]["state"] == "submitted"
              and "自动测试" in got[code]["narrative"], f"{code} submitted at {pct}%")

    # 2. A broken template: every problem at its cell, nothing written.
    s, _ = api("POST", f"/api/v1/plans/{PLAN}/periods/2020-05/close", office)
    check(s in (204, 409), "May closed")
    may = os.path.join(WORK, "may.xlsx")
    run("excel", "template", "--plan", PLAN, "--unit", UNIT, "--period", "2020-05", "-o", may)
    wb = openpyxl.load_workbook(may)
    ws = wb["填报"]
    col = columns(ws)
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, col["事项编码"]).value]
    r1, r2, r3, r4 = rows[:4]
    ws.cell(r1, col["本期进度（%）"]).value = 120
    ws.cell(r2, col["本期进度（%）"]).value = "大约一半"
    ws.cell(r3, col["事项名称"]).value = "改过的名称"
    last = ws.cell(r4, col["上次采纳进度（%）"]).value
    ws.cell(r4, col["本期进度（%）"]).value = max(0, float(last or 0) - 10)
    ws.cell(r4, col["本期进展情况"]).value = "回落"
    plan_toml = run("plan", "export", "--plan", PLAN).stdout
    others = re.findall(r'\[\[item\]\]\ncode = "([^"]+)"\nkind = "(?:task|project|work|milestone)"\n(?:parent = "[^"]+"\n)?'
                        r'title = "[^"]*"\n(?:title_en = "[^"]*"\n)?(?:description = "[^"]*"\n)?(?:description_en = "[^"]*"\n)?'
                        r'lead = "(?!FGW)[^"]+"\n(?:co = \[([^\]]*)\])?', plan_toml)
    other = next(c for c, co in [(o[0], o[1]) for o in others] if "FGW" not in co)
    extra = ws.max_row + 2
    ws.cell(extra, 1).value = "NO-SUCH"
    ws.cell(extra, col["本期进展情况"]).value = "没有这个事项"
    ws.cell(extra + 1, 1).value = other
    ws.cell(extra + 1, col["本期进展情况"]).value = "别的单位的事项"
    broken = os.path.join(WORK, "broken.xlsx")
    wb.save(broken)
    count = len(reports(office, "2020-05")) + len(reports(office, "2020-06"))
    p = run("excel", "import", broken, "--plan", PLAN, "--unit", UNIT, "--submit", ok=False)
    print(p.stderr)
    check(p.returncode != 0, "the broken template is refused")
    for cell, words in [(f"I{r1}", "0 到 100"), (f"I{r2}", "0 到 100"), (f"B{r3}", "已锁定"),
                        (f"A{extra}", "NO-SUCH"), (f"A{extra + 1}", "不能填报"), (f"A{r4}", "关账")]:
        check(any(l.startswith(f"填报!{cell}:") and words in l for l in p.stderr.splitlines()),
              f"填报!{cell} reported ({words})")
    check("nothing imported" in p.stderr, "says nothing was imported")
    check(len(reports(office, "2020-05")) + len(reports(office, "2020-06")) == count, "nothing changed")
    # The fall without a reason, in an open period.
    jun = os.path.join(WORK, "jun.xlsx")
    run("excel", "template", "--plan", PLAN, "--unit", UNIT, "--period", "2020-06", "-o", jun)
    wb = openpyxl.load_workbook(jun)
    ws = wb["填报"]
    col = columns(ws)
    r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["事项编码"]).value
             and not ws.cell(r, col["本期状态"]).value and (ws.cell(r, col["上次采纳进度（%）"]).value or 0) > 5)
    ws.cell(r, col["本期进度（%）"]).value = 1
    ws.cell(r, col["本期进展情况"]).value = "回落"
    wb.save(jun)
    p = run("excel", "import", jun, "--plan", PLAN, "--unit", UNIT, "--lang", "en", ok=False)
    check(p.returncode != 0 and f"填报!K{r}:" in p.stderr, "a fall without a reason: 填报!K (problems)")
    # A formula written by a script carries no result: refused at its cell, not read as empty.
    ws.cell(r, col["本期进度（%）"]).value = "=40+10"
    wb.save(jun)
    p = run("excel", "import", jun, "--plan", PLAN, "--unit", UNIT, ok=False)
    check(p.returncode != 0 and f"填报!I{r}:" in p.stderr and "公式" in p.stderr,
          "a formula without a saved result is refused at its cell")

    # 3. The responsibility list.
    duties = os.path.join(WORK, "duties.xlsx")
    run("excel", "duties", "--plan", PLAN, "--unit", UNIT, "-o", duties)
    ws = openpyxl.load_workbook(duties)["责任清单"]
    head = [c.value for c in ws[4]]
    check(head[:4] == ["序号", "事项编码", "层级", "事项名称"], "the list's header")
    roles = {ws.cell(r, 6).value for r in range(5, ws.max_row + 1)}
    check(roles >= {"牵头", "配合"}, "lists items led and co-operated on")

    # 4. The plan workbook: plan -> xlsx -> plan -> xlsx.
    xlsx = os.path.join(WORK, "plan.xlsx")
    t0 = time.time()
    run("plan", "export", "--plan", PLAN, "--format", "xlsx", "-o", xlsx)
    print(f"plan workbook exported in {time.time() - t0:.2f}s")
    wb = openpyxl.load_workbook(xlsx)
    check(wb.sheetnames == ["计划", "阶段", "层级", "单位", "人员", "指标", "事项"], "plan workbook sheets")
    items = wb["事项"]
    check(items.max_row - 1 == plan_toml.count("[[item]]"), f"{items.max_row - 1} items, one row each")
    check([c.value for c in items[1]][:3] == ["code", "kind", "parent"], "items header")
    due_col = openpyxl.utils.get_column_letter(columns(items)["due"])
    check(any(d.type == "date" and str(d.sqref).startswith(f"{due_col}2") for d in items.data_validations.dataValidation),
          "date validation on the items' due dates")
    other_data = os.path.join(WORK, "data2")
    t0 = time.time()
    run("plan", "import", xlsx, "--init", data=other_data)
    print(f"plan workbook imported in {time.time() - t0:.2f}s")
    again = run("plan", "export", "--plan", PLAN, data=other_data).stdout
    check(again == plan_toml, "plan -> xlsx -> plan gives the same plan file")
    xlsx2 = os.path.join(WORK, "plan2.xlsx")
    run("plan", "export", "--plan", PLAN, "--format", "xlsx", "-o", xlsx2, data=other_data)
    cells = lambda f: [[[c.value for c in row] for row in ws.iter_rows()] for ws in openpyxl.load_workbook(f)]
    check(cells(xlsx) == cells(xlsx2), "xlsx -> plan -> xlsx gives the same cells")
    # The same workbook kept in the 1904 date system (an option of Excel for Mac): same dates.
    wb = openpyxl.load_workbook(xlsx)
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    mac = os.path.join(WORK, "plan-1904.xlsx")
    wb.save(mac)
    third = os.path.join(WORK, "data3")
    run("plan", "import", mac, "--init", data=third)
    check(run("plan", "export", "--plan", PLAN, data=third).stdout == plan_toml,
          "a workbook in the 1904 date system gives the same plan")
    # A plan workbook with a bad parent is refused at its cell.
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["事项"]
    pc = columns(ws)["parent"]
    ws.cell(12, pc).value = "NO-SUCH"
    bad_plan = os.path.join(WORK, "bad-plan.xlsx")
    wb.save(bad_plan)
    p = run("plan", "import", bad_plan, data=other_data, ok=False)
    check(p.returncode != 0 and f"事项!{openpyxl.utils.get_column_letter(pc)}12" in p.stderr,
          "a bad parent in the plan workbook is reported at its cell")

    # 5. Past reports, written by openpyxl, into the plan with no reports yet.
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "历史"
    ws.append(["事项编码", "单位编码", "期次", "进度", "进展情况"])
    leaf = re.search(r'code = "([^"]+)"\nkind = "(?:task|project|work)"\nparent = "[^"]+"\n'
                     r'title = "[^"]*"\n(?:title_en = "[^"]*"\n)?(?:description = "[^"]*"\n)?'
                     r'(?:description_en = "[^"]*"\n)?lead = "([^"]+)"', plan_toml)
    code, lead = leaf.group(1), leaf.group(2)
    # "2018-06" typed into Excel becomes the date 1 June 2018: read back as the month.
    ws.append([code, lead, datetime.date(2018, 6, 1), 20, "上半年"])
    ws["C2"].number_format = "yyyy-mm"
    ws.append([code, lead, "2018-12", 45, "全年"])
    past = os.path.join(WORK, "past.xlsx")
    wb.save(past)
    ws.append(["NO-SUCH", lead, "2018-12", 45, ""])
    ws.append([code, lead, "2018-13", 145, ""])
    ws.append([code, lead, "2018-12", 50, "又一行"])
    bad_past = os.path.join(WORK, "bad-past.xlsx")
    wb.save(bad_past)
    p = run("report", "import", bad_past, "--plan", PLAN, data=other_data, ok=False)
    check(p.returncode != 0 and "历史!A4" in p.stderr and "历史!C5" in p.stderr and "历史!D5" in p.stderr,
          "broken past reports refused at their cells")
    check("历史!C6" in p.stderr and "不止一次" in p.stderr, "the same item, unit and period twice refused")
    p = run("report", "import", past, "--plan", PLAN, data=other_data)
    check("2 past report(s)" in p.stdout, "past reports loaded")
    p = run("status", "--plan", PLAN, "--branch", code, "--date", "2018-07-01", data=other_data)
    check("20" in p.stdout, f"as of 2018-07-01 {code} shows the June report")
    print("excel round trip: all checks passed")
finally:
    demo.terminate()
    demo.wait(timeout=30)
    shutil.rmtree(WORK, ignore_errors=True)
