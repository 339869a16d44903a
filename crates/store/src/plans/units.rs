//! A plan's units and people. Each is defined by the plan that first listed it (its owner);
//! another plan may list the same code to share it, but only with the same definition: an
//! import never rewrites a unit or person another plan owns, and a differing definition is
//! refused with the field that differs, so two plans cannot silently fight over a name.

use std::collections::HashMap;

use sea_orm::Value;
use tuijin_core::event::EventKind;
use tuijin_core::problem::{Problem, Rule};
use tuijin_core::{Person, Unit};

use super::SectionCounts;
use super::items::lookup;
use super::read::{person_of_row, unit_of_row};
use crate::db::{WriteTxn, all, exec};
use crate::error::{Result, StoreError};
use crate::events::NewEvent;
use crate::rows::{get, insert_rows};

/// A stored unit or person: its id, the plan that owns it (code), and its definition.
struct Owned<T> {
    id: i64,
    owner: Option<(i64, String)>,
    value: T,
}

/// Which plan may change a stored entry: its owner, or anyone when it has none.
fn owned_by(owner: &Option<(i64, String)>, plan_id: i64) -> bool {
    owner.as_ref().is_none_or(|(id, _)| *id == plan_id)
}

/// The problem of listing another plan's entry with a different definition.
fn foreign(section: &str, i: usize, code: &str, owner: &str) -> Problem {
    Problem::new(format!("{section}[{i}]"), Rule::OwnedByAnotherPlan)
        .with("code", code)
        .with("plan", owner)
}

/// Code → id of every unit, after the plan's units are written.
pub(super) async fn import_units(
    txn: &WriteTxn,
    plan_id: i64,
    units: &[Unit],
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<HashMap<String, i64>> {
    let existing = all(
        txn,
        "SELECT u.id, u.code, u.name_zh, u.name_en, u.kind, p.code AS parent, u.assumed, \
         u.owner_plan_id, o.code AS owner FROM units u LEFT JOIN units p ON p.id = u.parent_id \
         LEFT JOIN plans o ON o.id = u.owner_plan_id",
        vec![],
    )
    .await?;
    let mut old: HashMap<String, Owned<Unit>> = HashMap::new();
    for r in &existing {
        let u = unit_of_row(r)?;
        let owner = match get::<Option<i64>>(r, "owner_plan_id")? {
            Some(id) => Some((id, get::<Option<String>>(r, "owner")?.unwrap_or_default())),
            None => None,
        };
        old.insert(
            u.code.to_string(),
            Owned {
                id: get(r, "id")?,
                owner,
                value: u,
            },
        );
    }
    let mut refused = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let v: Vec<Value> = vec![
            u.name.zh().to_string().into(),
            u.name.en().to_string().into(),
            u.kind.as_str().into(),
            u.assumed.into(),
        ];
        match old.get(u.code.as_str()) {
            None => {
                let mut vals = vec![u.code.as_str().into()];
                vals.extend(v);
                vals.push(plan_id.into());
                exec(
                    txn,
                    "INSERT INTO units (code, name_zh, name_en, kind, assumed, owner_plan_id) VALUES ($1,$2,$3,$4,$5,$6)",
                    vals,
                )
                .await?;
                counts.added += 1;
                events.push(NewEvent::new(EventKind::UnitAdded, u.code.as_str()).after(u)?);
            }
            Some(o) if o.value == *u => counts.unchanged += 1,
            Some(o) if !owned_by(&o.owner, plan_id) => {
                let owner = o.owner.as_ref().map(|x| x.1.as_str()).unwrap_or("");
                refused.push(foreign("units", i, u.code.as_str(), owner));
            }
            Some(o) => {
                let mut vals = v;
                vals.push(plan_id.into());
                vals.push(o.id.into());
                exec(
                    txn,
                    "UPDATE units SET name_zh=$1, name_en=$2, kind=$3, assumed=$4, owner_plan_id=$5 WHERE id=$6",
                    vals,
                )
                .await?;
                counts.updated += 1;
                events.push(
                    NewEvent::new(EventKind::UnitUpdated, u.code.as_str())
                        .before(&o.value)?
                        .after(u)?,
                );
            }
        }
    }
    if !refused.is_empty() {
        return Err(StoreError::Invalid(refused));
    }
    let ids: HashMap<String, i64> = all(txn, "SELECT id, code FROM units", vec![])
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
        .collect::<Result<_>>()?;
    for u in units {
        let want = u
            .parent
            .as_ref()
            .map(|p| lookup(&ids, "unit", p))
            .transpose()?;
        let had = old.get(u.code.as_str()).and_then(|o| {
            o.value
                .parent
                .as_ref()
                .and_then(|p| ids.get(p.as_str()).copied())
        });
        if want != had {
            exec(
                txn,
                "UPDATE units SET parent_id = $1 WHERE id = $2",
                vec![want.into(), ids[u.code.as_str()].into()],
            )
            .await?;
        }
    }
    exec(
        txn,
        "DELETE FROM plan_units WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    let rows: Vec<Vec<Value>> = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            vec![
                plan_id.into(),
                ids[u.code.as_str()].into(),
                (i as i32).into(),
            ]
        })
        .collect();
    insert_rows(txn, "plan_units", &["plan_id", "unit_id", "position"], rows).await?;
    Ok(ids)
}

pub(super) async fn import_people(
    txn: &WriteTxn,
    plan_id: i64,
    people: &[Person],
    units: &HashMap<String, i64>,
    counts: &mut SectionCounts,
    events: &mut Vec<NewEvent>,
) -> Result<HashMap<String, i64>> {
    let existing = all(
        txn,
        "SELECT p.id, p.code, p.name_zh, p.name_en, p.post_zh, p.post_en, u.code AS unit, p.phone, p.assumed, \
         p.owner_plan_id, o.code AS owner FROM people p LEFT JOIN units u ON u.id = p.unit_id \
         LEFT JOIN plans o ON o.id = p.owner_plan_id",
        vec![],
    )
    .await?;
    let mut old: HashMap<String, Owned<Person>> = HashMap::new();
    for r in &existing {
        let p = person_of_row(r)?;
        let owner = match get::<Option<i64>>(r, "owner_plan_id")? {
            Some(id) => Some((id, get::<Option<String>>(r, "owner")?.unwrap_or_default())),
            None => None,
        };
        old.insert(
            p.code.to_string(),
            Owned {
                id: get(r, "id")?,
                owner,
                value: p,
            },
        );
    }
    let mut refused = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let v: Vec<Value> = vec![
            p.name.zh().to_string().into(),
            p.name.en().to_string().into(),
            p.post.zh().to_string().into(),
            p.post.en().to_string().into(),
            p.unit
                .as_ref()
                .map(|u| lookup(units, "unit", u))
                .transpose()?
                .into(),
            p.assumed.into(),
            plan_id.into(),
            p.phone.clone().into(),
        ];
        match old.get(p.code.as_str()) {
            None => {
                let mut vals = v;
                vals.push(p.code.as_str().into());
                exec(
                    txn,
                    "INSERT INTO people (name_zh, name_en, post_zh, post_en, unit_id, assumed, owner_plan_id, phone, code) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
                    vals,
                )
                .await?;
                counts.added += 1;
                events.push(NewEvent::new(EventKind::PersonAdded, p.code.as_str()).after(p)?);
            }
            Some(o) if o.value == *p => counts.unchanged += 1,
            Some(o) if !owned_by(&o.owner, plan_id) => {
                let owner = o.owner.as_ref().map(|x| x.1.as_str()).unwrap_or("");
                refused.push(foreign("people", i, p.code.as_str(), owner));
            }
            Some(o) => {
                let mut vals = v;
                vals.push(o.id.into());
                exec(
                    txn,
                    "UPDATE people SET name_zh=$1, name_en=$2, post_zh=$3, post_en=$4, unit_id=$5, assumed=$6, \
                     owner_plan_id=$7, phone=$8 WHERE id=$9",
                    vals,
                )
                .await?;
                counts.updated += 1;
                events.push(
                    NewEvent::new(EventKind::PersonUpdated, p.code.as_str())
                        .before(&o.value)?
                        .after(p)?,
                );
            }
        }
    }
    if !refused.is_empty() {
        return Err(StoreError::Invalid(refused));
    }
    let ids: HashMap<String, i64> = all(txn, "SELECT id, code FROM people", vec![])
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<i64>(r, "id")?)))
        .collect::<Result<_>>()?;
    exec(
        txn,
        "DELETE FROM plan_people WHERE plan_id = $1",
        vec![plan_id.into()],
    )
    .await?;
    let rows: Vec<Vec<Value>> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                plan_id.into(),
                ids[p.code.as_str()].into(),
                (i as i32).into(),
            ]
        })
        .collect();
    insert_rows(
        txn,
        "plan_people",
        &["plan_id", "person_id", "position"],
        rows,
    )
    .await?;
    Ok(ids)
}
