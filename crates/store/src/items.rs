//! Reading items: one, a page of a filtered list, a subtree, and the alignment links between
//! branches. Items are returned as domain `Item`s with their codes resolved.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, QueryResult, Value};
use serde::Serialize;
use tuijin_core::{Code, Item, ItemKind};

use crate::db::{EachRow, Store, all, one};
use crate::error::{Result, StoreError};
use crate::rows::{
    code, code_opt, get, id_list, named, named_opt, percent_opt, point, text, weight,
};

/// An item as the API shows it: the domain item plus where it is stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemRecord {
    pub id: i64,
    pub plan: Code,
    pub position: i32,
    pub archived: bool,
    pub version: i64,
    pub child_count: i64,
    #[serde(flatten)]
    pub item: Item,
    /// Where the item is expected to be on each day (`tuijin_core::path`): its own dates, or
    /// its children's paths.
    #[serde(skip)]
    pub expected_path: Option<tuijin_core::path::Path>,
}

/// An alignment link seen from one item: the other item's code, title and kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkRecord {
    pub public: bool,
    pub code: Code,
    pub kind: ItemKind,
    pub title: tuijin_core::Text,
}

#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    pub plan: Option<String>,
    pub kind: Option<ItemKind>,
    /// Items this unit leads or co-operates on.
    pub unit: Option<String>,
    /// Children of this item code; `Some("")` selects roots.
    pub parent: Option<String>,
    pub include_archived: bool,
    /// Only items marked public (what anonymous visitors see).
    pub public_only: bool,
}

/// A page of results and the cursor of the next page, if there is one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[allow(async_fn_in_trait)] // used with the concrete `Store`, whose futures are Send
pub trait ItemStore {
    async fn list_items(
        &self,
        filter: &ItemFilter,
        limit: u64,
        cursor: Option<&str>,
    ) -> Result<Page<ItemRecord>>;
    async fn get_item(&self, plan: &str, code: &str) -> Result<ItemRecord>;
    /// The item and everything below it, parents before children, in plan order.
    async fn subtree(&self, plan: &str, code: &str) -> Result<Vec<ItemRecord>>;
    /// Every live item of a plan, in plan order.
    async fn plan_items(&self, plan: &str) -> Result<Vec<Item>>;
    /// Items this one supports, and items that support it.
    async fn links(&self, plan: &str, code: &str) -> Result<(Vec<LinkRecord>, Vec<LinkRecord>)>;
}

const SELECT: &str = "SELECT i.id, i.position, i.archived, i.version, i.code, i.kind, pa.code AS parent, \
    i.title_zh, i.title_en, i.description_zh, i.description_en, lu.code AS lead, l1.code AS leader, \
    l2.code AS leader_in_charge, i.start_date, i.due_date, i.weight, i.public, i.source, \
    i.target_value, i.target_unit, i.target_by, ind.code AS target_indicator, i.three_ones, i.rollup_rule, i.manual_percent, i.manual_reason, i.cancelled, i.progress_from, i.expected_path, pl.code AS plan_code, \
    (SELECT COUNT(*) FROM items c WHERE c.parent_id = i.id AND NOT c.archived) AS child_count \
    FROM items i JOIN plans pl ON pl.id = i.plan_id \
    LEFT JOIN items pa ON pa.id = i.parent_id LEFT JOIN units lu ON lu.id = i.lead_unit_id \
    LEFT JOIN people l1 ON l1.id = i.leader_id LEFT JOIN people l2 ON l2.id = i.leader_in_charge_id \
    LEFT JOIN indicators ind ON ind.id = i.target_indicator_id";

fn record(r: &QueryResult) -> Result<ItemRecord> {
    let kind = named(r, "kind")?;
    let mut item = Item::new(code(r, "code")?, kind, "");
    item.parent = code_opt(r, "parent")?;
    item.title = text(r, "title")?;
    item.extra.description = text(r, "description")?;
    item.lead = code_opt(r, "lead")?;
    item.extra.leader = code_opt(r, "leader")?;
    item.extra.leader_in_charge = code_opt(r, "leader_in_charge")?;
    item.start = get(r, "start_date")?;
    item.due = get(r, "due_date")?;
    item.weight = weight(get(r, "weight")?)?;
    item.public = get(r, "public")?;
    item.extra.source = get::<Option<String>>(r, "source")?.map(Box::from);
    item.extra.target = target(r)?.map(Box::new);
    item.three_ones = get(r, "three_ones")?;
    item.rollup = named_opt(r, "rollup_rule")?;
    item.cancelled = get(r, "cancelled")?;
    item.progress_from = named(r, "progress_from")?;
    if let Some(percent) = percent_opt(r, "manual_percent")? {
        item.extra.manual = Some(Box::new(tuijin_core::ManualProgress {
            percent,
            reason: get::<Option<String>>(r, "manual_reason")?.unwrap_or_default(),
        }));
    }
    // Gives back what was set aside for fields this item leaves empty (most items).
    item.extra.tidy();
    Ok(ItemRecord {
        id: get(r, "id")?,
        plan: code(r, "plan_code")?,
        position: get(r, "position")?,
        archived: get(r, "archived")?,
        version: get(r, "version")?,
        child_count: get(r, "child_count")?,
        item,
        expected_path: get::<Option<String>>(r, "expected_path")?
            .map(|t| crate::rows::decode_path(&t))
            .transpose()?,
    })
}

/// Fills co-operating units, alignment links and trajectories of the given records, with one
/// query each. `scope` is either a plan id (whole plan) or the records' own ids.
async fn fill_lists<C: ConnectionTrait>(
    c: &C,
    recs: &mut [ItemRecord],
    plan_id: Option<i64>,
) -> Result<()> {
    if recs.is_empty() {
        return Ok(());
    }
    let (cond, values): (String, Vec<Value>) = match plan_id {
        Some(pid) => ("x.plan_id = $1".to_string(), vec![pid.into()]),
        None => {
            let ids: Vec<i64> = recs.iter().map(|r| r.id).collect();
            (format!("x.id IN ({})", id_list(&ids)), vec![])
        }
    };
    let pos: HashMap<i64, usize> = recs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let co = all(c, &format!("SELECT l.item_id, u.code FROM item_co_units l JOIN items x ON x.id = l.item_id JOIN units u ON u.id = l.unit_id WHERE {cond} ORDER BY l.item_id, l.position"), values.clone()).await?;
    for r in &co {
        if let Some(&i) = pos.get(&get::<i64>(r, "item_id")?) {
            recs[i].item.co.push(code(r, "code")?);
        }
    }
    let sup = all(c, &format!("SELECT l.item_id, t.code FROM item_supports l JOIN items x ON x.id = l.item_id JOIN items t ON t.id = l.target_id WHERE {cond} ORDER BY l.item_id, l.position"), values.clone()).await?;
    for r in &sup {
        if let Some(&i) = pos.get(&get::<i64>(r, "item_id")?) {
            recs[i].item.extra.supports.push(code(r, "code")?);
        }
    }
    let sh = all(c, &format!("SELECT l.item_id, u.code, l.percent FROM item_shares l JOIN items x ON x.id = l.item_id JOIN units u ON u.id = l.unit_id WHERE {cond} ORDER BY l.item_id, l.position"), values.clone()).await?;
    for r in &sh {
        if let Some(&i) = pos.get(&get::<i64>(r, "item_id")?) {
            let percent = tuijin_core::Percent::new(get(r, "percent")?)
                .map_err(|_| StoreError::Corrupt("item_shares.percent".into()))?;
            recs[i].item.extra.shares.push(tuijin_core::Share {
                unit: code(r, "code")?,
                percent,
            });
        }
    }
    let tr = all(c, &format!("SELECT l.item_id, l.point_date, l.percent FROM item_trajectory l JOIN items x ON x.id = l.item_id WHERE {cond} ORDER BY l.item_id, l.point_date"), values).await?;
    for r in &tr {
        if let Some(&i) = pos.get(&get::<i64>(r, "item_id")?) {
            recs[i]
                .item
                .extra
                .trajectory
                .push(point(get(r, "point_date")?, get(r, "percent")?)?);
        }
    }
    Ok(())
}

/// Every item of a plan, archived ones too, as (id, position, archived, item).
pub(crate) async fn load_plan_items_stored<C: EachRow>(
    c: &C,
    plan_id: i64,
) -> Result<Vec<(i64, i32, bool, Item)>> {
    let mut recs = Vec::new();
    let sql = format!("{SELECT} WHERE i.plan_id = $1 ORDER BY i.position");
    c.each_row(&sql, vec![plan_id.into()], |row| {
        recs.push(record(&row)?);
        Ok(())
    })
    .await?;
    fill_lists(c, &mut recs, Some(plan_id)).await?;
    Ok(recs
        .into_iter()
        .map(|r| (r.id, r.position, r.archived, r.item))
        .collect())
}

/// The plan's current (not archived) items in file order.
pub(crate) async fn load_plan_items<C: EachRow>(c: &C, plan_id: i64) -> Result<Vec<Item>> {
    let stored = load_plan_items_stored(c, plan_id).await?;
    // Into a vector of its own size: `collect` would reuse the records' buffer in place, and a
    // server keeps these items — a million of them in a buffer sized for a million and a half
    // records (the read's growth) held ~200 MB that nothing used.
    let mut items = Vec::with_capacity(stored.iter().filter(|(_, _, a, _)| !a).count());
    items.extend(
        stored
            .into_iter()
            .filter(|(_, _, a, _)| !a)
            .map(|(_, _, _, i)| i),
    );
    Ok(items)
}

/// What a cursor of the item list looks like (`ITEM_CURSOR_PATTERN`): the (plan_id, position)
/// the last page ended on. Opaque to clients; every string of that shape is a meaningful place
/// to resume (the first item after it), so the published pattern is exact.
pub const ITEM_CURSOR_PATTERN: &str = "^[0-9]{1,18}-[0-9]{1,9}$";

fn encode_cursor(plan_id: i64, position: i32) -> String {
    format!("{plan_id}-{position}")
}

fn decode_cursor(s: &str) -> Result<(i64, i32)> {
    let bad = || {
        StoreError::invalid(tuijin_core::problem::Problem::new(
            "cursor",
            tuijin_core::problem::Rule::BadCursor,
        ))
    };
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    use crate::rows::cursor_digits as digits;
    if !digits(a, 18) || !digits(b, 9) {
        return Err(bad());
    }
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

impl Store {
    pub(crate) async fn plan_id(&self, code: &str) -> Result<i64> {
        plan_id_in(&self.db(), code).await
    }
}

/// The id of a plan by code, inside a transaction or on a connection.
pub(crate) async fn plan_id_in<C: ConnectionTrait>(c: &C, code: &str) -> Result<i64> {
    let r = one(c, "SELECT id FROM plans WHERE code = $1", vec![code.into()])
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("plan `{code}`")))?;
    get(&r, "id")
}

/// An item's measurable target from its row.
pub(crate) fn target(r: &QueryResult) -> Result<Option<tuijin_core::Target>> {
    let value: Option<f64> = get(r, "target_value")?;
    Ok(match value {
        None => None,
        Some(value) => Some(tuijin_core::Target {
            value,
            unit: get(r, "target_unit")?,
            by: get(r, "target_by")?,
            indicator: code_opt(r, "target_indicator")?,
        }),
    })
}

impl Store {
    /// The statement that lists a page of items (`limit + 1` rows, to tell whether more
    /// follow), with its values.
    async fn list_query(
        &self,
        f: &ItemFilter,
        limit: u64,
        cursor: Option<&str>,
    ) -> Result<(String, Vec<Value>)> {
        let mut conds: Vec<String> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let arg = |v: Value, values: &mut Vec<Value>| {
            values.push(v);
            format!("${}", values.len())
        };
        let mut plan_id = None;
        if let Some(p) = &f.plan {
            let pid = self.plan_id(p).await?;
            plan_id = Some(pid);
            // A parent's children are of its plan already (and the plan's own index must not
            // compete with the parent's).
            if f.parent.as_deref().is_none_or(str::is_empty) {
                conds.push(format!("i.plan_id = {}", arg(pid.into(), &mut values)));
            }
        }
        if let Some(k) = f.kind {
            conds.push(format!("i.kind = {}", arg(k.as_str().into(), &mut values)));
        }
        if let Some(u) = &f.unit {
            let a = arg(u.clone().into(), &mut values);
            conds.push(format!(
                "(lu.code = {a} OR EXISTS (SELECT 1 FROM item_co_units cu JOIN units uu ON uu.id = cu.unit_id WHERE cu.item_id = i.id AND uu.code = {a}))"
            ));
        }
        match (f.parent.as_deref(), plan_id) {
            // Visitors see the published tree: an item under an unpublished (or archived)
            // one is a root of it, as its view names no parent (`PublicPart`).
            (Some(""), _) if f.public_only => {
                conds.push("(i.parent_id IS NULL OR NOT pa.public OR pa.archived)".into())
            }
            (Some(""), _) => conds.push("i.parent_id IS NULL".into()),
            // Within a plan, the children by the parent's id: one index range, however large
            // the plan (`items (parent_id, position)`); an unknown parent has none.
            (Some(p), Some(pid)) => {
                let parent = one(
                    &self.db(),
                    "SELECT id FROM items WHERE plan_id = $1 AND code = $2",
                    vec![pid.into(), p.into()],
                )
                .await?
                .map(|r| get::<i64>(&r, "id"))
                .transpose()?
                .unwrap_or(0);
                conds.push(format!("i.parent_id = {}", arg(parent.into(), &mut values)));
            }
            (Some(p), None) => conds.push(format!(
                "pa.code = {}",
                arg(p.to_string().into(), &mut values)
            )),
            (None, _) => {}
        }
        if f.public_only {
            conds.push("i.public".into());
            // The children of an unpublished item are asked for as if it did not exist: no
            // answer may tell an unpublished item from a missing one.
            if f.parent.as_deref().is_some_and(|p| !p.is_empty()) {
                conds.push("pa.public".into());
            }
        }
        if !f.include_archived {
            conds.push("NOT i.archived".into());
        }
        if let Some(c) = cursor {
            let (pid, pos) = decode_cursor(c)?;
            match plan_id {
                // Within one plan the order is the position alone, so an index that ends in
                // the position (the plan's, or a parent's) serves the page as it is.
                Some(plan) if pid == plan => {
                    conds.push(format!("i.position > {}", arg(pos.into(), &mut values)))
                }
                // Every cursor of the published shape is a place in (plan, position) order
                // (`ITEM_CURSOR_PATTERN`): one before this plan resumes at its start, one after
                // it has nothing left.
                Some(plan) if pid > plan => conds.push("1 = 0".into()),
                Some(_) => {}
                None => {
                    let a = arg(pid.into(), &mut values);
                    let b = arg(pos.into(), &mut values);
                    conds.push(format!(
                        "(i.plan_id > {a} OR (i.plan_id = {a} AND i.position > {b}))"
                    ));
                }
            }
        }
        let lim = arg(((limit + 1) as i64).into(), &mut values);
        let where_ = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let order = if plan_id.is_some() {
            "i.position"
        } else {
            "i.plan_id, i.position"
        };
        let sql = format!("{SELECT}{where_} ORDER BY {order} LIMIT {lim}");
        Ok((sql, values))
    }

    /// How the database runs the item list's statement for `f` (`EXPLAIN QUERY PLAN` on
    /// SQLite, `EXPLAIN` on PostgreSQL), one line per step: a test holds the hot reads to
    /// their indexes.
    pub async fn explain_list_items(&self, f: &ItemFilter, cursor: Option<&str>) -> Result<String> {
        let (sql, values) = self.list_query(f, 100, cursor).await?;
        self.explain(&sql, values).await
    }

    /// How the database runs one item's read by plan and code.
    pub async fn explain_get_item(&self, plan: &str, code: &str) -> Result<String> {
        self.explain(
            &format!("{SELECT} WHERE pl.code = $1 AND i.code = $2"),
            vec![plan.into(), code.into()],
        )
        .await
    }

    pub(crate) async fn explain(&self, sql: &str, values: Vec<Value>) -> Result<String> {
        let (prefix, col) = match self.backend() {
            crate::db::Backend::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
            crate::db::Backend::Postgres => ("EXPLAIN ", "QUERY PLAN"),
        };
        let rows = all(&self.db(), &format!("{prefix}{sql}"), values).await?;
        rows.iter()
            .map(|r| get::<String>(r, col).map(|l| l + "\n"))
            .collect::<Result<String>>()
    }
}

impl ItemStore for Store {
    async fn list_items(
        &self,
        f: &ItemFilter,
        limit: u64,
        cursor: Option<&str>,
    ) -> Result<Page<ItemRecord>> {
        let limit = limit.clamp(1, 1000);
        let (sql, values) = self.list_query(f, limit, cursor).await?;
        let rows = all(&self.db(), &sql, values).await?;
        let mut recs = rows.iter().map(record).collect::<Result<Vec<_>>>()?;
        let more = recs.len() as u64 > limit;
        recs.truncate(limit as usize);
        fill_lists(&self.db(), &mut recs, None).await?;
        let next_cursor = if more {
            let last = recs.last().expect("a full page");
            let pid = self.plan_id(last.plan.as_str()).await?;
            Some(encode_cursor(pid, last.position))
        } else {
            None
        };
        Ok(Page {
            items: recs,
            next_cursor,
        })
    }

    async fn get_item(&self, plan: &str, code: &str) -> Result<ItemRecord> {
        let r = one(
            &self.db(),
            &format!("{SELECT} WHERE pl.code = $1 AND i.code = $2"),
            vec![plan.into(), code.into()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("item `{code}` in plan `{plan}`")))?;
        let mut recs = vec![record(&r)?];
        fill_lists(&self.db(), &mut recs, None).await?;
        Ok(recs.pop().expect("one record"))
    }

    async fn subtree(&self, plan: &str, code: &str) -> Result<Vec<ItemRecord>> {
        let root = self.get_item(plan, code).await?;
        let sql = format!(
            "WITH RECURSIVE sub(id) AS (SELECT id FROM items WHERE id = $1 \
             UNION ALL SELECT c.id FROM items c JOIN sub ON c.parent_id = sub.id WHERE NOT c.archived) \
             {SELECT} WHERE i.id IN (SELECT id FROM sub) ORDER BY i.position"
        );
        let rows = all(&self.db(), &sql, vec![root.id.into()]).await?;
        let mut recs = rows.iter().map(record).collect::<Result<Vec<_>>>()?;
        fill_lists(&self.db(), &mut recs, None).await?;
        Ok(recs)
    }

    async fn plan_items(&self, plan: &str) -> Result<Vec<Item>> {
        let pid = self.plan_id(plan).await?;
        load_plan_items(&self.db(), pid).await
    }

    async fn links(&self, plan: &str, code: &str) -> Result<(Vec<LinkRecord>, Vec<LinkRecord>)> {
        let item = self.get_item(plan, code).await?;
        let link = |r: &QueryResult| -> Result<LinkRecord> {
            Ok(LinkRecord {
                public: get(r, "public")?,
                code: crate::rows::code(r, "code")?,
                kind: named(r, "kind")?,
                title: text(r, "title")?,
            })
        };
        let out = all(&self.db(), "SELECT t.code, t.kind, t.title_zh, t.title_en, t.public FROM item_supports l JOIN items t ON t.id = l.target_id WHERE l.item_id = $1 ORDER BY l.position", vec![item.id.into()]).await?;
        let inc = all(&self.db(), "SELECT s.code, s.kind, s.title_zh, s.title_en, s.public FROM item_supports l JOIN items s ON s.id = l.item_id WHERE l.target_id = $1 AND NOT s.archived ORDER BY s.position", vec![item.id.into()]).await?;
        Ok((
            out.iter().map(link).collect::<Result<_>>()?,
            inc.iter().map(link).collect::<Result<_>>()?,
        ))
    }
}
