//! Deterministic generated plans of any size, for benchmarks and load tests. The same
//! arguments always give the same plan.

use chrono::{Duration, NaiveDate};

use crate::{
    Cadence, Code, Item, ItemKind, Plan, PlanDocument, PlanSource, Text, Thresholds, Unit,
    UnitKind, Weight,
};

/// A plan of `items` items in trees `depth` levels deep (positioning → goal → task → project →
/// work → milestone), led by `units` units.
pub fn generated_plan(code: &str, items: usize, depth: usize, units: usize) -> PlanDocument {
    let depth = depth.clamp(1, 6);
    let kinds = [
        ItemKind::Positioning,
        ItemKind::Goal,
        ItemKind::Task,
        ItemKind::Project,
        ItemKind::Work,
        ItemKind::Milestone,
    ];
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    let unit_list: Vec<Unit> = (0..units.max(1))
        .map(|i| Unit {
            code: Code::parse(&format!("U{i}")).expect("valid code"),
            name: Text::new(format!("单位{i}"), format!("Unit {i}")),
            kind: UnitKind::Department,
            parent: None,
            assumed: false,
        })
        .collect();
    // Fan-out so that `depth` levels hold about `items` nodes: f + f^2 + ... + f^depth ≈ items.
    let mut fan = 2usize;
    while (1..=depth).map(|d| fan.pow(d as u32)).sum::<usize>() < items {
        fan += 1;
    }
    let mut out = Vec::with_capacity(items);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Breadth-first: level by level, each parent gets up to `fan` children.
    let mut level: Vec<Option<usize>> = vec![None];
    'outer: for kind in kinds.into_iter().take(depth) {
        let mut next_level = Vec::new();
        for parent in &level {
            for _ in 0..fan {
                if out.len() >= items {
                    break 'outer;
                }
                let n = out.len();
                let code = Code::parse(&format!("G{n}")).expect("valid code");
                let mut it = Item::new(code, kind, format!("生成事项 {n}"));
                it.title.en = format!("Generated item {n}");
                it.parent = parent.map(|p: usize| out_code(&out, p));
                // Roots spread over the first years; children inside their parent's dates.
                let (s, d) = match parent.and_then(|p| Some((out[p].start?, out[p].due?))) {
                    None => {
                        let s = start + Duration::days((next() % 365) as i64);
                        (s, s + Duration::days(180 + (next() % 1500) as i64))
                    }
                    Some((ps, pd)) => {
                        let span = (pd - ps).num_days().max(2);
                        let s = ps + Duration::days((next() % (span as u64 / 2)) as i64);
                        let left = (pd - s).num_days().max(1);
                        (
                            s,
                            s + Duration::days(1 + (next() % left as u64) as i64).min(pd - s),
                        )
                    }
                };
                // A milestone is a date: it has no start.
                it.start = (kind != ItemKind::Milestone).then_some(s);
                it.due = Some(d);
                it.lead = Some(
                    unit_list[(next() % unit_list.len() as u64) as usize]
                        .code
                        .clone(),
                );
                it.weight = Weight::new(1.0 + (next() % 3) as f64).expect("positive");
                next_level.push(Some(n));
                out.push(it);
            }
        }
        level = next_level;
    }
    PlanDocument {
        plan: Plan {
            code: Code::parse(code).expect("valid plan code"),
            title: Text::new("生成的规划", "Generated plan"),
            description: Text::default(),
            source: PlanSource::default(),
            timezone: "Asia/Shanghai".into(),
            cadence: Cadence::Monthly,
            start,
            end: NaiveDate::from_ymd_opt(2030, 12, 31).expect("valid date"),
            thresholds: Thresholds::default(),
            rollup: crate::RollupRule::WeightedMean,
            status_against: Default::default(),
            reporting: crate::Reporting::default(),
            stages: Vec::new(),
            notices: Default::default(),
            levels: Vec::new(),
        },
        units: unit_list,
        people: Vec::new(),
        items: out,
        indicators: Vec::new(),
    }
}

fn out_code(items: &[Item], i: usize) -> Code {
    items[i].code.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_plans_are_valid_and_sized() {
        let doc = generated_plan("gen", 5000, 6, 40);
        assert_eq!(doc.items.len(), 5000);
        assert!(crate::validate(&doc).is_empty());
        assert_eq!(doc, generated_plan("gen", 5000, 6, 40), "deterministic");
        let max_kind = doc.items.iter().map(|i| i.kind).max().unwrap();
        assert_eq!(max_kind, ItemKind::Milestone);
    }
}
