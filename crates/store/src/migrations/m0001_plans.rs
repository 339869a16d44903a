//! The plan model: units, people, plans with stages and level labels, items with their
//! co-operating units, alignment links and trajectories, indicators with yearly targets, and
//! the append-only event log.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_plans"
    }
}

pub(super) fn id(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}
pub(super) fn text(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .text()
        .not_null()
        .default("")
        .to_owned()
}
pub(super) fn text_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).text().null().to_owned()
}
pub(super) fn big(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .not_null()
        .to_owned()
}
pub(super) fn big_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .big_integer()
        .null()
        .to_owned()
}
pub(super) fn int(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .integer()
        .not_null()
        .to_owned()
}
pub(super) fn int_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).integer().null().to_owned()
}
pub(super) fn real(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .double()
        .not_null()
        .to_owned()
}
pub(super) fn real_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).double().null().to_owned()
}
pub(super) fn flag(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}
pub(super) fn date(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .date()
        .not_null()
        .to_owned()
}
pub(super) fn date_null(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name)).date().null().to_owned()
}
pub(super) fn instant(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}
pub(super) fn fk(table: &str, col: &str, to: &str, cascade: bool) -> ForeignKeyCreateStatement {
    let mut f = ForeignKey::create()
        .from(Alias::new(table), Alias::new(col))
        .to(Alias::new(to), Alias::new("id"))
        .to_owned();
    if cascade {
        f.on_delete(ForeignKeyAction::Cascade);
    }
    f
}
pub(super) fn index(table: &str, name: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create()
        .name(name)
        .table(Alias::new(table))
        .to_owned();
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("units"))
                .col(id("id"))
                .col(text("code"))
                .col(text("name_zh"))
                .col(text("name_en"))
                .col(text("kind"))
                .col(big_null("parent_id"))
                .col(flag("assumed"))
                .foreign_key(&mut fk("units", "parent_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("units", "units_code", &["code"], true))
            .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("people"))
                .col(id("id"))
                .col(text("code"))
                .col(text("name_zh"))
                .col(text("name_en"))
                .col(text("post_zh"))
                .col(text("post_en"))
                .col(big_null("unit_id"))
                .col(flag("assumed"))
                .foreign_key(&mut fk("people", "unit_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("people", "people_code", &["code"], true))
            .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("plans"))
                .col(id("id"))
                .col(text("code"))
                .col(text("title_zh"))
                .col(text("title_en"))
                .col(text("description_zh"))
                .col(text("description_en"))
                .col(text("source_title_zh"))
                .col(text("source_title_en"))
                .col(date_null("source_date"))
                .col(text("source_occasion_zh"))
                .col(text("source_occasion_en"))
                .col(text("timezone"))
                .col(text("cadence"))
                .col(date("start_date"))
                .col(date("end_date"))
                .col(real("at_risk"))
                .col(real("off_track"))
                .col(big("version"))
                .col(instant("created_at"))
                .col(instant("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("plans", "plans_code", &["code"], true))
            .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("stages"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(int("position"))
                .col(text("code"))
                .col(text("title_zh"))
                .col(text("title_en"))
                .col(text("description_zh"))
                .col(text("description_en"))
                .col(date("end_date"))
                .foreign_key(&mut fk("stages", "plan_id", "plans", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "stages",
            "stages_plan_code",
            &["plan_id", "code"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("levels"))
                .col(big("plan_id"))
                .col(int("position"))
                .col(text("kind"))
                .col(text("label_zh"))
                .col(text("label_en"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("plan_id"))
                        .col(Alias::new("kind")),
                )
                .foreign_key(&mut fk("levels", "plan_id", "plans", true))
                .to_owned(),
        )
        .await?;

        // Which units and people a plan file declares, in its order: units are shared between
        // plans, but each plan's file lists its own.
        for (table, col, to) in [
            ("plan_units", "unit_id", "units"),
            ("plan_people", "person_id", "people"),
        ] {
            m.create_table(
                Table::create()
                    .table(Alias::new(table))
                    .col(big("plan_id"))
                    .col(big(col))
                    .col(int("position"))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("plan_id"))
                            .col(Alias::new(col)),
                    )
                    .foreign_key(&mut fk(table, "plan_id", "plans", true))
                    .foreign_key(&mut fk(table, col, to, false))
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(Alias::new("indicators"))
                .col(id("id"))
                .col(big("plan_id"))
                .col(int("position"))
                .col(text("code"))
                .col(text("name_zh"))
                .col(text("name_en"))
                .col(text("unit"))
                .col(text("direction"))
                .col(text("frequency"))
                .col(real_null("baseline"))
                .col(int_null("baseline_year"))
                .col(big_null("owner_unit_id"))
                .col(text("scope"))
                .col(flag("public"))
                .col(flag("archived"))
                .foreign_key(&mut fk("indicators", "plan_id", "plans", true))
                .foreign_key(&mut fk("indicators", "owner_unit_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "indicators",
            "indicators_plan_code",
            &["plan_id", "code"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Alias::new("indicator_targets"))
                .col(big("indicator_id"))
                .col(int("year"))
                .col(real("value"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("indicator_id"))
                        .col(Alias::new("year")),
                )
                .foreign_key(&mut fk(
                    "indicator_targets",
                    "indicator_id",
                    "indicators",
                    true,
                ))
                .to_owned(),
        )
        .await?;

        // Item ids are assigned by the importer (so a whole tree can be written in bulk with
        // its parent links), hence no auto-increment here.
        m.create_table(
            Table::create()
                .table(Alias::new("items"))
                .col(
                    ColumnDef::new(Alias::new("id"))
                        .big_integer()
                        .not_null()
                        .primary_key(),
                )
                .col(big("plan_id"))
                .col(int("position"))
                .col(text("code"))
                .col(text("kind"))
                .col(big_null("parent_id"))
                .col(text("title_zh"))
                .col(text("title_en"))
                .col(text("description_zh"))
                .col(text("description_en"))
                .col(big_null("lead_unit_id"))
                .col(big_null("leader_id"))
                .col(big_null("leader_in_charge_id"))
                .col(date_null("start_date"))
                .col(date_null("due_date"))
                .col(real("weight"))
                .col(flag("public"))
                .col(text_null("source"))
                .col(real_null("target_value"))
                .col(text("target_unit"))
                .col(date_null("target_by"))
                .col(big_null("target_indicator_id"))
                .col(flag("three_ones"))
                .col(flag("archived"))
                .col(big("version"))
                .col(instant("updated_at"))
                .foreign_key(&mut fk("items", "plan_id", "plans", true))
                .foreign_key(&mut fk("items", "parent_id", "items", false))
                .foreign_key(&mut fk("items", "lead_unit_id", "units", false))
                .foreign_key(&mut fk("items", "leader_id", "people", false))
                .foreign_key(&mut fk("items", "leader_in_charge_id", "people", false))
                .foreign_key(&mut fk("items", "target_indicator_id", "indicators", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "items",
            "items_plan_code",
            &["plan_id", "code"],
            true,
        ))
        .await?;
        m.create_index(index(
            "items",
            "items_plan_position",
            &["plan_id", "position"],
            false,
        ))
        .await?;
        m.create_index(index("items", "items_parent", &["parent_id"], false))
            .await?;
        m.create_index(index("items", "items_lead", &["lead_unit_id"], false))
            .await?;
        m.create_index(index(
            "items",
            "items_plan_kind",
            &["plan_id", "kind"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("item_co_units"))
                .col(big("item_id"))
                .col(big("unit_id"))
                .col(int("position"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("item_id"))
                        .col(Alias::new("unit_id")),
                )
                .foreign_key(&mut fk("item_co_units", "item_id", "items", true))
                .foreign_key(&mut fk("item_co_units", "unit_id", "units", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "item_co_units",
            "item_co_units_unit",
            &["unit_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("item_supports"))
                .col(big("item_id"))
                .col(big("target_id"))
                .col(int("position"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("item_id"))
                        .col(Alias::new("target_id")),
                )
                .foreign_key(&mut fk("item_supports", "item_id", "items", true))
                .foreign_key(&mut fk("item_supports", "target_id", "items", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "item_supports",
            "item_supports_target",
            &["target_id"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("item_trajectory"))
                .col(big("item_id"))
                .col(date("point_date"))
                .col(real("percent"))
                .primary_key(
                    Index::create()
                        .col(Alias::new("item_id"))
                        .col(Alias::new("point_date")),
                )
                .foreign_key(&mut fk("item_trajectory", "item_id", "items", true))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Alias::new("events"))
                .col(id("id"))
                .col(instant("at"))
                .col(text("actor"))
                .col(text("kind"))
                .col(text("entity"))
                .col(text("entity_code"))
                .col(big_null("plan_id"))
                .col(text_null("before_json"))
                .col(text_null("after_json"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "events",
            "events_entity",
            &["entity", "entity_code"],
            false,
        ))
        .await?;
        Ok(())
    }
}
