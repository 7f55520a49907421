//! Schema versions and the migrations between them.
//!
//! The `meta` tree records `schema_version` (u32, big-endian) and, for each applied step,
//! `migration/<version>` = the Unix time (seconds, u64 big-endian) it was applied at. A store
//! without a version is at version 0 (new). On open, [`run`] applies `MIGRATIONS[v]` to bring
//! the store from version `v` to `v + 1`, for each version from the stored one up to
//! [`CURRENT_VERSION`]. A step must be idempotent: if the process stops after the step but
//! before its version is recorded, the step runs again on the next open.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::StoreError;

/// One migration step, from version `i` to `i + 1` when it is `MIGRATIONS[i]`.
pub(crate) type Migration = fn(&sled::Db) -> Result<(), StoreError>;

/// Every migration step, in order. Append new steps; never edit or remove existing ones.
pub(crate) const MIGRATIONS: &[Migration] = &[initial];

/// The schema version this build writes; opening a store with a newer version fails.
pub const CURRENT_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) const META_TREE: &str = "meta";
const VERSION_KEY: &[u8] = b"schema_version";
const MIGRATION_PREFIX: &[u8] = b"migration/";

/// 0 → 1: the first schema. Trees are created on first use, so there is nothing to create.
fn initial(_db: &sled::Db) -> Result<(), StoreError> {
    Ok(())
}

/// The schema version recorded in `db`; 0 when none is.
pub(crate) fn stored_version(db: &sled::Db) -> Result<u32, StoreError> {
    let meta = db.open_tree(META_TREE)?;
    match meta.get(VERSION_KEY)? {
        None => Ok(0),
        Some(bytes) => {
            let raw: [u8; 4] = bytes.as_ref().try_into().map_err(|_| {
                StoreError::Corrupt(format!(
                    "schema_version is {} bytes, expected 4",
                    bytes.len()
                ))
            })?;
            Ok(u32::from_be_bytes(raw))
        }
    }
}

/// Brings `db` to version `migrations.len()`; returns that version.
pub(crate) fn run(db: &sled::Db, migrations: &[Migration]) -> Result<u32, StoreError> {
    let target = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    let found = stored_version(db)?;
    if found > target {
        return Err(StoreError::TooNew {
            found,
            supported: target,
        });
    }
    let meta = db.open_tree(META_TREE)?;
    for (from, step) in migrations.iter().enumerate().skip(found as usize) {
        let to = from as u32 + 1;
        step(db).map_err(|e| StoreError::Migration {
            to,
            source: Box::new(e),
        })?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut batch = sled::Batch::default();
        batch.insert(VERSION_KEY, &to.to_be_bytes());
        batch.insert(migration_key(to), &now.to_be_bytes());
        meta.apply_batch(batch)?;
        db.flush()?;
    }
    Ok(target)
}

fn migration_key(version: u32) -> Vec<u8> {
    let mut key = MIGRATION_PREFIX.to_vec();
    key.extend_from_slice(&version.to_be_bytes());
    key
}

/// The applied migration steps: each version reached and when, oldest first.
pub(crate) fn history(db: &sled::Db) -> Result<Vec<(u32, SystemTime)>, StoreError> {
    let meta = db.open_tree(META_TREE)?;
    let mut out = Vec::new();
    for entry in meta.scan_prefix(MIGRATION_PREFIX) {
        let (k, v) = entry?;
        let version = k[MIGRATION_PREFIX.len()..]
            .try_into()
            .map(u32::from_be_bytes)
            .map_err(|_| StoreError::Corrupt("bad migration record key".to_owned()))?;
        let secs = v
            .as_ref()
            .try_into()
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::Corrupt("bad migration record time".to_owned()))?;
        out.push((version, UNIX_EPOCH + Duration::from_secs(secs)));
    }
    Ok(out)
}

/// Records `version` as the schema version, for tests of refusing newer stores.
#[cfg(test)]
pub(crate) fn force_version(db: &sled::Db, version: u32) -> Result<(), StoreError> {
    db.open_tree(META_TREE)?
        .insert(VERSION_KEY, &version.to_be_bytes())?;
    db.flush()?;
    Ok(())
}
