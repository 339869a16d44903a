//! Settings of the database itself (`settings` table). Today one: the simulated date of a
//! demo database, which every command run on it uses as its clock.

use std::sync::Arc;

use chrono::NaiveDate;
use tuijin_core::clock::Clock;

use crate::clock::{SimulatedClock, SystemClock};
use crate::db::{Store, all, exec};
use crate::error::{Result, StoreError};
use crate::rows::get;

const SIMULATED_TODAY: &str = "simulated_today";

impl Store {
    /// The simulated "today" of a demo database; `None` for a database on the real clock.
    pub async fn simulated_today(&self) -> Result<Option<NaiveDate>> {
        let rows = all(
            &self.db(),
            "SELECT value FROM settings WHERE name = $1",
            vec![SIMULATED_TODAY.into()],
        )
        .await?;
        match rows.first() {
            None => Ok(None),
            Some(r) => {
                let v: String = get(r, "value")?;
                NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|e| {
                        StoreError::Internal(format!("settings.{SIMULATED_TODAY} `{v}`: {e}"))
                    })
            }
        }
    }

    /// The clock of this database: the demo's simulated date when it has one, else the real
    /// clock. Every command that writes or judges uses it, so a demo's history has one clock.
    pub async fn clock(&self) -> Result<Arc<dyn Clock>> {
        Ok(match self.simulated_today().await? {
            Some(date) => Arc::new(SimulatedClock { date }),
            None => Arc::new(SystemClock),
        })
    }

    /// Puts the database on a simulated date (the demo), or back on the real clock (`None`).
    pub async fn set_simulated_today(&self, date: Option<NaiveDate>) -> Result<()> {
        let txn = self.write().await?;
        exec(
            &txn,
            "DELETE FROM settings WHERE name = $1",
            vec![SIMULATED_TODAY.into()],
        )
        .await?;
        if let Some(d) = date {
            exec(
                &txn,
                "INSERT INTO settings (name, value) VALUES ($1, $2)",
                vec![SIMULATED_TODAY.into(), d.to_string().into()],
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}
