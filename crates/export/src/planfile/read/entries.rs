//! Reading each kind of entry of a plan file: the plan header, stages, levels, units, people,
//! items (with trajectories and targets) and indicators. The field primitives are the parent
//! module's.

use super::*;

impl Reader<'_> {
    pub(super) fn plan(&mut self, f: &Fields<'_, '_>) -> Option<Plan> {
        self.unknown_fields(f, PLAN);
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        if self.get(f, "title").is_none() {
            self.required(f, "title");
            ok = false;
        }
        let title = self.text(f, "title", &mut ok);
        let description = self.text(f, "description", &mut ok);
        let timezone = self.opt_str(f, "timezone").unwrap_or_else(|()| {
            ok = false;
            None
        });
        let cadence = self.choice(
            f,
            "cadence",
            Cadence::parse,
            &["monthly", "quarterly"],
            false,
            &mut ok,
        );
        let start = self.req_date(f, "start", &mut ok);
        let end = self.req_date(f, "end", &mut ok);
        let mut source = PlanSource::default();
        if let Some(s) = self.nested(f, "source", SOURCE, &mut ok) {
            source.title = self.text(&s, "title", &mut ok);
            source.date = self.opt_date(&s, "date", &mut ok);
            source.occasion = self.text(&s, "occasion", &mut ok);
        }
        let rules: Vec<&str> = RollupRule::VARIANTS.iter().map(|r| r.as_str()).collect();
        let rollup = self.choice(f, "rollup", RollupRule::parse, &rules, false, &mut ok);
        let against: Vec<&str> = StatusAgainst::VARIANTS.iter().map(|r| r.as_str()).collect();
        let status_against = self.choice(
            f,
            "status_against",
            StatusAgainst::parse,
            &against,
            false,
            &mut ok,
        );
        let mut reporting = Reporting::default();
        if let Some(r) = self.nested(f, "reporting", REPORTING, &mut ok) {
            for (key, slot, range) in [
                ("due_day", &mut reporting.due_day, 1..=28),
                ("grace_days", &mut reporting.grace_days, 0..=60),
                ("stale_days", &mut reporting.stale_days, 1..=3650),
            ] {
                if let Some(v) = self.get(&r, key) {
                    match self.number_of(&r, key, v) {
                        Some(n) if n.fract() == 0.0 && range.contains(&(n as u32)) && n >= 0.0 => {
                            *slot = n as u32
                        }
                        Some(_) => {
                            let path = FieldPath::new(Section::Plan, format!("reporting.{key}"));
                            self.problem(
                                v.span().start,
                                path,
                                ProblemKind::OutOfRange {
                                    min: *range.start(),
                                    max: *range.end(),
                                },
                            );
                            ok = false;
                        }
                        None => ok = false,
                    }
                }
            }
        }
        let mut notices = tuijin_core::notice::NoticeSettings::default();
        if let Some(n) = self.nested(f, "notices", NOTICES, &mut ok) {
            // Their rules are the validator's (`core::validate`), as for an edit.
            match self.opt_str(&n, "number_format") {
                Ok(Some(t)) => notices.number_format = t,
                Ok(None) => {}
                Err(()) => ok = false,
            }
            if self.get(&n, "levels").is_some() {
                let levels = self.code_list(&n, "levels", &mut ok);
                notices.levels = levels.iter().map(|c| c.to_string()).collect();
            }
            for (name, into) in [
                ("issuer", &mut notices.issuer),
                ("issuer_en", &mut notices.issuer_en),
                ("contact", &mut notices.contact),
            ] {
                match self.opt_str(&n, name) {
                    Ok(Some(t)) => *into = t,
                    Ok(None) => {}
                    Err(()) => ok = false,
                }
            }
            if let Some(v) = self.get(&n, "escalate_every") {
                match self.number_of(&n, "escalate_every", v) {
                    Some(x) if x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x) => {
                        notices.escalate_every = x as u32
                    }
                    Some(_) => {
                        self.problem(
                            v.span().start,
                            FieldPath::new(Section::Plan, "notices.escalate_every"),
                            ProblemKind::OutOfRange { min: 1, max: 60 },
                        );
                        ok = false;
                    }
                    None => ok = false,
                }
            }
        }
        let mut thresholds = Thresholds::default();
        if let Some(t) = self.nested(f, "thresholds", THRESHOLDS, &mut ok) {
            if let Some(v) = self.opt_number(&t, "at_risk", &mut ok) {
                thresholds.at_risk = v;
            }
            if let Some(v) = self.opt_number(&t, "off_track", &mut ok) {
                thresholds.off_track = v;
            }
            if let Some(v) = self.opt_number(&t, "forecast_miss", &mut ok) {
                thresholds.forecast_miss = v;
            }
            // Their order and range are the validator's (`core::validate`), as for an edit.
        }
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Plan {
            code: code?,
            title,
            description,
            source,
            timezone: timezone.unwrap_or_else(|| "Asia/Shanghai".to_string()),
            cadence: cadence.unwrap_or_default(),
            start: start?,
            end: end?,
            thresholds,
            rollup: rollup.unwrap_or_default(),
            status_against: status_against.unwrap_or_default(),
            reporting,
            stages: Vec::new(),
            levels: Vec::new(),
            notices,
        })
    }

    pub(super) fn stage(&mut self, f: &Fields<'_, '_>) -> Option<Stage> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let title = self.text(f, "title", &mut ok);
        let description = self.text(f, "description", &mut ok);
        let end = self.req_date(f, "end", &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Stage {
            code: code?,
            title,
            description,
            end: end?,
        })
    }

    pub(super) fn level(&mut self, f: &Fields<'_, '_>) -> Option<LevelLabel> {
        let mut ok = true;
        let kind = self.choice(f, "kind", ItemKind::parse, &kind_names(), true, &mut ok);
        let label = self.text(f, "label", &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(LevelLabel { kind: kind?, label })
    }

    pub(super) fn unit(&mut self, f: &Fields<'_, '_>) -> Option<Unit> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let name = self.text(f, "name", &mut ok);
        let names: Vec<&str> = UnitKind::VARIANTS.iter().map(|k| k.as_str()).collect();
        let kind = self.choice(f, "kind", UnitKind::parse, &names, false, &mut ok);
        let parent = self.opt_code(f, "parent", &mut ok);
        let assumed = self.bool_or(f, "assumed", false, &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Unit {
            code: code?,
            name,
            kind: kind.unwrap_or(UnitKind::Department),
            parent,
            assumed,
        })
    }

    pub(super) fn person(&mut self, f: &Fields<'_, '_>) -> Option<Person> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let name = self.text(f, "name", &mut ok);
        let post = self.text(f, "post", &mut ok);
        let unit = self.opt_code(f, "unit", &mut ok);
        let phone = match self.opt_str(f, "phone") {
            Ok(p) => p.filter(|s| !s.trim().is_empty()),
            Err(()) => None,
        };
        let assumed = self.bool_or(f, "assumed", false, &mut ok);
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Person {
            code: code?,
            name,
            post,
            unit,
            phone,
            assumed,
        })
    }

    pub(super) fn item(&mut self, f: &Fields<'_, '_>) -> Option<Item> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let kind = self.choice(f, "kind", ItemKind::parse, &kind_names(), true, &mut ok);
        let parent = self.opt_code(f, "parent", &mut ok);
        let title = self.text(f, "title", &mut ok);
        let description = self.text(f, "description", &mut ok);
        let lead = self.opt_code(f, "lead", &mut ok);
        let co = self.code_list(f, "co", &mut ok);
        let leader = self.opt_code(f, "leader", &mut ok);
        let leader_in_charge = self.opt_code(f, "leader_in_charge", &mut ok);
        let start = self.opt_date(f, "start", &mut ok);
        let due = self.opt_date(f, "due", &mut ok);
        let weight = match self.get(f, "weight") {
            None => Weight::ONE,
            Some(v) => match self.number_of(f, "weight", v).map(Weight::new) {
                Some(Ok(w)) => w,
                Some(Err(e)) => {
                    self.problem(
                        v.span().start,
                        FieldPath::new(f.section, "weight"),
                        ProblemKind::WeightNotPositive {
                            value: e.0.to_string(),
                        },
                    );
                    ok = false;
                    Weight::ONE
                }
                None => {
                    ok = false;
                    Weight::ONE
                }
            },
        };
        let public = self.bool_or(f, "public", false, &mut ok);
        let supports = self.code_list(f, "supports", &mut ok);
        let source = self.opt_str(f, "source").unwrap_or_else(|()| {
            ok = false;
            None
        });
        let trajectory = self.trajectory(f, &mut ok);
        let shares = self.shares(f, &mut ok);
        let mut target = None;
        if let Some(t) = self.nested(f, "target", TARGET, &mut ok) {
            let value = self
                .required(&t, "value")
                .and_then(|v| self.number_of(&t, "value", v));
            let unit = self.str_or_empty(&t, "unit", &mut ok);
            let by = self.opt_date(&t, "by", &mut ok);
            let indicator = self.opt_code(&t, "indicator", &mut ok);
            match value {
                Some(value) => {
                    target = Some(Target {
                        value,
                        unit,
                        by,
                        indicator,
                    })
                }
                None => ok = false,
            }
        }
        let three_ones = self.bool_or(f, "three_ones", false, &mut ok);
        let rules: Vec<&str> = RollupRule::VARIANTS.iter().map(|r| r.as_str()).collect();
        let rollup = self.choice(f, "rollup", RollupRule::parse, &rules, false, &mut ok);
        let cancelled = self.bool_or(f, "cancelled", false, &mut ok);
        let froms: Vec<&str> = ProgressFrom::VARIANTS.iter().map(|r| r.as_str()).collect();
        let progress_from = self.choice(f, "progress", ProgressFrom::parse, &froms, false, &mut ok);
        let mut manual = None;
        if let Some(m) = self.nested(f, "manual", MANUAL, &mut ok) {
            let reason = self.str_or_empty(&m, "reason", &mut ok);
            let percent = self.required(&m, "percent").and_then(|pv| {
                let n = self.number_of(&m, "percent", pv)?;
                match Percent::new(n) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.problem(
                            pv.span().start,
                            FieldPath::new(f.section, "manual.percent"),
                            ProblemKind::BadValue {
                                message: e.to_string(),
                            },
                        );
                        None
                    }
                }
            });
            match percent {
                Some(percent) => manual = Some(ManualProgress { percent, reason }),
                None => ok = false,
            }
        }
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Item {
            code: code?,
            kind: kind?,
            parent,
            title,
            lead,
            co: co.into(),
            start,
            due,
            weight,
            public,
            three_ones,
            rollup,
            cancelled,
            progress_from: progress_from.unwrap_or_default(),
            extra: tuijin_core::ItemExtra {
                description,
                source: source.map(Box::from),
                leader,
                leader_in_charge,
                supports: supports.into(),
                trajectory: trajectory.into(),
                target: target.map(Box::new),
                manual: manual.map(Box::new),
                shares: shares.into(),
            }
            .into(),
        })
    }

    /// `shares = [{ unit = "JTW", share = 60 }, …]`: percent of the item's figure per unit.
    fn shares(&mut self, f: &Fields<'_, '_>, ok: &mut bool) -> Vec<Share> {
        let Some(v) = self.get(f, "shares") else {
            return Vec::new();
        };
        let Some(arr): Option<&DeArray<'_>> = v.get_ref().as_array() else {
            self.wrong_type(f, "shares", v, "array of { unit, share } tables");
            *ok = false;
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, e) in arr.iter().enumerate() {
            let path = FieldPath::at(f.section, "shares", i);
            let Some(t) = e.get_ref().as_table() else {
                self.problem(
                    e.span().start,
                    path,
                    ProblemKind::WrongType {
                        expected: "{ unit, share } table",
                        found: e.get_ref().type_str().into(),
                    },
                );
                *ok = false;
                continue;
            };
            let p = Fields {
                table: t,
                section: f.section,
                prefix: format!("shares[{i}]."),
                start: f.start,
            };
            self.unknown_fields(&p, SHARE);
            let unit = if self.required(&p, "unit").is_some() {
                self.opt_code(&p, "unit", ok)
            } else {
                None
            };
            let percent = self.required(&p, "share").and_then(|pv| {
                let n = self.number_of(&p, "share", pv)?;
                match Percent::new(n).ok().filter(|x| x.value() > 0.0) {
                    Some(pc) => Some(pc),
                    None => {
                        self.problem(
                            pv.span().start,
                            path.clone(),
                            ProblemKind::BadValue {
                                message: format!(
                                    "a share is a percent above 0 and at most 100, not {n}"
                                ),
                            },
                        );
                        None
                    }
                }
            });
            match (unit, percent) {
                (Some(unit), Some(percent)) => out.push(Share { unit, percent }),
                _ => *ok = false,
            }
        }
        out
    }

    fn trajectory(&mut self, f: &Fields<'_, '_>, ok: &mut bool) -> Vec<TrajectoryPoint> {
        let Some(v) = self.get(f, "trajectory") else {
            return Vec::new();
        };
        let Some(arr): Option<&DeArray<'_>> = v.get_ref().as_array() else {
            self.wrong_type(f, "trajectory", v, "array of { date, percent } tables");
            *ok = false;
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, e) in arr.iter().enumerate() {
            let path = FieldPath::at(f.section, "trajectory", i);
            let Some(t) = e.get_ref().as_table() else {
                self.problem(
                    e.span().start,
                    path,
                    ProblemKind::WrongType {
                        expected: "{ date, percent } table",
                        found: e.get_ref().type_str().into(),
                    },
                );
                *ok = false;
                continue;
            };
            let p = Fields {
                table: t,
                section: f.section,
                prefix: format!("trajectory[{i}]."),
                start: f.start,
            };
            self.unknown_fields(&p, TRAJECTORY);
            let date = self.req_date(&p, "date", ok);
            let percent = self.required(&p, "percent").and_then(|pv| {
                let n = self.number_of(&p, "percent", pv)?;
                match Percent::new(n) {
                    Ok(pc) => Some(pc),
                    Err(e) => {
                        self.problem(
                            pv.span().start,
                            path.clone(),
                            ProblemKind::BadValue {
                                message: e.to_string(),
                            },
                        );
                        None
                    }
                }
            });
            match (date, percent) {
                (Some(date), Some(percent)) => out.push(TrajectoryPoint { date, percent }),
                _ => *ok = false,
            }
        }
        out
    }

    pub(super) fn indicator(&mut self, f: &Fields<'_, '_>) -> Option<Indicator> {
        let mut ok = true;
        let code = self.req_code(f, "code", &mut ok);
        let name = self.text(f, "name", &mut ok);
        let unit = self.str_or_empty(f, "unit", &mut ok);
        let dirs: Vec<&str> = Direction::VARIANTS.iter().map(|d| d.as_str()).collect();
        let direction = self.choice(f, "direction", Direction::parse, &dirs, false, &mut ok);
        let freqs: Vec<&str> = Frequency::VARIANTS.iter().map(|d| d.as_str()).collect();
        let frequency = self.choice(f, "frequency", Frequency::parse, &freqs, false, &mut ok);
        let baseline = self.opt_number(f, "baseline", &mut ok);
        let baseline_year = self.opt_year(f, "baseline_year", &mut ok);
        let owner = self.opt_code(f, "owner", &mut ok);
        let scope = self.str_or_empty(f, "scope", &mut ok);
        let public = self.bool_or(f, "public", false, &mut ok);
        let bases: Vec<&str> = CountingBasis::VARIANTS.iter().map(|d| d.as_str()).collect();
        let basis = self.choice(f, "basis", CountingBasis::parse, &bases, false, &mut ok);
        let kinds: Vec<&str> = PathKind::VARIANTS.iter().map(|d| d.as_str()).collect();
        let path = self.choice(f, "path", PathKind::parse, &kinds, false, &mut ok);
        let source = self.str_or_empty(f, "source", &mut ok);
        let publication_lag = self.get(f, "publication_lag").and_then(|v| {
            match self.number_of(f, "publication_lag", v) {
                Some(n) if n.fract() == 0.0 && (0.0..=366.0).contains(&n) => Some(n as u32),
                Some(_) => {
                    self.problem(
                        v.span().start,
                        FieldPath::new(f.section, "publication_lag"),
                        ProblemKind::OutOfRange { min: 0, max: 366 },
                    );
                    None
                }
                None => None,
            }
        });
        let points = self.path_points(f, &mut ok);
        let mut targets = Vec::new();
        if let Some(v) = self.get(f, "targets") {
            match v.get_ref().as_array() {
                None => {
                    self.wrong_type(f, "targets", v, "array of { year, value } tables");
                    ok = false;
                }
                Some(arr) => {
                    for (i, e) in arr.iter().enumerate() {
                        let Some(t) = e.get_ref().as_table() else {
                            self.problem(
                                e.span().start,
                                FieldPath::at(f.section, "targets", i),
                                ProblemKind::WrongType {
                                    expected: "{ year, value } table",
                                    found: e.get_ref().type_str().into(),
                                },
                            );
                            ok = false;
                            continue;
                        };
                        let p = Fields {
                            table: t,
                            section: f.section,
                            prefix: format!("targets[{i}]."),
                            start: f.start,
                        };
                        self.unknown_fields(&p, INDICATOR_TARGET);
                        if self.required(&p, "year").is_none()
                            || self.required(&p, "value").is_none()
                        {
                            ok = false;
                            continue;
                        }
                        let year = self.opt_year(&p, "year", &mut ok);
                        let value = self.opt_number(&p, "value", &mut ok);
                        if let (Some(year), Some(value)) = (year, value) {
                            targets.push(IndicatorTarget { year, value });
                        }
                    }
                }
            }
        }
        let _ = ok; // problems are recorded; the entry is still built for cross-field checks
        Some(Indicator {
            code: code?,
            name,
            unit,
            direction: direction.unwrap_or(Direction::Increase),
            frequency: frequency.unwrap_or(Frequency::Annual),
            baseline_year,
            baseline,
            targets,
            owner,
            scope,
            public,
            basis: basis.unwrap_or_default(),
            publication_lag,
            path: path.unwrap_or_default(),
            points,
            source,
        })
    }

    /// An indicator's dated path points: `points = [{ on = 2018-12-31, value = 9000 }]`.
    fn path_points(&mut self, f: &Fields<'_, '_>, ok: &mut bool) -> Vec<PathPoint> {
        let mut out = Vec::new();
        let Some(v) = self.get(f, "points") else {
            return out;
        };
        let Some(arr) = v.get_ref().as_array() else {
            self.wrong_type(f, "points", v, "array of { on, value } tables");
            *ok = false;
            return out;
        };
        for (i, e) in arr.iter().enumerate() {
            let Some(t) = e.get_ref().as_table() else {
                self.problem(
                    e.span().start,
                    FieldPath::at(f.section, "points", i),
                    ProblemKind::WrongType {
                        expected: "{ on, value } table",
                        found: e.get_ref().type_str().into(),
                    },
                );
                *ok = false;
                continue;
            };
            let p = Fields {
                table: t,
                section: f.section,
                prefix: format!("points[{i}]."),
                start: f.start,
            };
            self.unknown_fields(&p, INDICATOR_POINT);
            let on = self.req_date(&p, "on", ok);
            let value = if self.required(&p, "value").is_some() {
                self.opt_number(&p, "value", ok)
            } else {
                *ok = false;
                None
            };
            if let (Some(on), Some(value)) = (on, value) {
                out.push(PathPoint { on, value });
            }
        }
        out
    }
}
