//! Deterministic generated plans of any size, for benchmarks and load tests. The same
//! arguments always give the same plan.

use chrono::{Duration, NaiveDate};

use crate::{
    Cadence, Code, Item, ItemKind, Plan, PlanDocument, PlanSource, Text, Thresholds, Unit,
    UnitKind, Weight,
};

/// The tree of a generated plan: children per item at each level (the roots first), up to
/// a number of items.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    fans: Vec<usize>,
    items: usize,
}

impl Shape {
    /// About `items` items in trees `depth` levels deep (positioning → goal → task → project →
    /// work → milestone), every level with the same fan-out.
    pub fn sized(items: usize, depth: usize) -> Shape {
        let depth = depth.clamp(1, 6);
        // f + f^2 + ... + f^depth ≈ items.
        let mut fan = 2usize;
        while (1..=depth).map(|d| fan.pow(d as u32)).sum::<usize>() < items {
            fan += 1;
        }
        Shape {
            fans: vec![fan; depth],
            items,
        }
    }

    /// That many roots, each with `fanout[1]` children, each of those with `fanout[2]`, and
    /// so on (`[10, 10, 20]` is 10 + 100 + 2,000 items). At most six levels.
    pub fn fanout(fanout: &[usize]) -> Shape {
        let fans = fanout[..fanout.len().min(6)].to_vec();
        let items = (1..=fans.len())
            .map(|d| fans[..d].iter().product::<usize>())
            .sum();
        Shape { fans, items }
    }

    /// How many items the plan will have.
    pub fn items(&self) -> usize {
        self.items
    }
}

/// A plan of `items` items in trees `depth` levels deep, led by `units` units.
pub fn generated_plan(code: &str, items: usize, depth: usize, units: usize) -> PlanDocument {
    generate(code, &Shape::sized(items, depth), units, &mut |_| {})
}

/// A plan of the tree shape `fanout` (`Shape::fanout`), led by `units` units.
pub fn plan_of_shape(code: &str, fanout: &[usize], units: usize) -> PlanDocument {
    generate(code, &Shape::fanout(fanout), units, &mut |_| {})
}

/// A plan of `shape` led by `units` units, breadth first; `made` is told the count of items
/// made so far every 10,000 items (for a progress bar).
pub fn generate(
    code: &str,
    shape: &Shape,
    units: usize,
    made: &mut dyn FnMut(usize),
) -> PlanDocument {
    let (fans, items) = (&shape.fans, shape.items);
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
    'outer: for (kind, &fan) in kinds.into_iter().zip(fans) {
        let mut next_level = Vec::new();
        for parent in &level {
            for _ in 0..fan {
                if out.len() >= items {
                    break 'outer;
                }
                let n = out.len();
                let code = Code::parse(&format!("G{n}")).expect("valid code");
                let mut it = Item::new(code, kind, format!("生成事项 {n}"));
                it.title = Text::new(format!("生成事项 {n}"), format!("Generated item {n}"));
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
                if out.len() % 10_000 == 0 {
                    made(out.len());
                }
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

    #[test]
    fn a_shape_gives_its_levels() {
        let doc = plan_of_shape("gen", &[10, 10, 20], 20);
        assert_eq!(doc.items.len(), 2_110);
        assert!(crate::validate(&doc).is_empty());
        let roots = doc.items.iter().filter(|i| i.parent.is_none()).count();
        assert_eq!(roots, 10);
        let first = &doc.items[0].code;
        let under_first = doc
            .items
            .iter()
            .filter(|i| i.parent.as_ref() == Some(first));
        assert_eq!(under_first.count(), 10);
        let tasks = doc.items.iter().filter(|i| i.kind == ItemKind::Task);
        assert_eq!(tasks.count(), 2_000);
    }
}
