//! Prepared statements on the SQLite connection under a sqlx transaction, stepped on the
//! calling thread: the bulk writer of imports and of the value recompute's million rows.
//!
//! Through sqlx every statement is a round trip to the connection's worker thread, and every
//! parameter an owned value handed over; a multi-row `INSERT` amortizes that, but costs a
//! statement journal (it may fail halfway), a re-parse of a 17,000-parameter statement, and —
//! for FTS5 — a flushed index segment per statement. A single-row statement prepared once and
//! stepped a million times needs none of it. This module is the one place with `unsafe`: it
//! holds sqlx's lock on the connection (so its worker cannot touch the handle meanwhile) and
//! finalizes every statement before the lock is let go.

use crate::StoreError;
use libsqlite3_sys as ffi;
use sqlx::sqlite::{LockedSqliteHandle, SqliteConnection};
use std::ffi::{CStr, c_int};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The connection, locked away from sqlx's worker for as long as this lives.
pub(crate) struct RawConnection<'c> {
    db: NonNull<ffi::sqlite3>,
    _lock: LockedSqliteHandle<'c>,
}

impl<'c> RawConnection<'c> {
    pub(crate) async fn lock(conn: &'c mut SqliteConnection) -> Result<RawConnection<'c>, StoreError> {
        let mut lock = conn.lock_handle().await?;
        let db = lock.as_raw_handle();
        Ok(RawConnection { db, _lock: lock })
    }

    /// Prepares one statement (one SQL statement, no trailing text).
    pub(crate) fn prepare(&self, sql: &str) -> Result<Statement<'_>, StoreError> {
        let mut raw = std::ptr::null_mut();
        let len = c_int::try_from(sql.len()).map_err(|_| error_text("statement too long"))?;
        // SAFETY: the handle is open and locked for us; `sql` is valid for `len` bytes and
        // SQLite copies what it needs.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db.as_ptr(),
                sql.as_ptr().cast(),
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut raw,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(self.error(rc));
        }
        let raw = NonNull::new(raw).ok_or_else(|| error_text("empty statement"))?;
        Ok(Statement { raw, conn: self, _not_send: PhantomData })
    }

    fn error(&self, rc: c_int) -> StoreError {
        // SAFETY: the handle is open; the message is copied before any other call.
        let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db.as_ptr())) };
        error_text(&format!("{} (SQLite code {rc})", msg.to_string_lossy()))
    }
}

fn error_text(msg: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(msg.to_string()))
}

/// A prepared statement; parameters are numbered from 1 as SQLite numbers them.
pub(crate) struct Statement<'a> {
    raw: NonNull<ffi::sqlite3_stmt>,
    conn: &'a RawConnection<'a>,
    _not_send: PhantomData<*mut ()>,
}

impl Statement<'_> {
    fn check(&self, rc: c_int) -> Result<(), StoreError> {
        if rc == ffi::SQLITE_OK { Ok(()) } else { Err(self.conn.error(rc)) }
    }

    pub(crate) fn text(&mut self, i: usize, value: Option<&str>) -> Result<(), StoreError> {
        let Some(v) = value else { return self.null(i) };
        let len = u64::try_from(v.len()).map_err(|_| error_text("value too long"))?;
        // SAFETY: the statement is live; SQLITE_TRANSIENT makes SQLite copy the bytes now.
        let rc = unsafe {
            ffi::sqlite3_bind_text64(
                self.raw.as_ptr(),
                i as c_int,
                v.as_ptr().cast(),
                len,
                ffi::SQLITE_TRANSIENT(),
                ffi::SQLITE_UTF8 as u8,
            )
        };
        self.check(rc)
    }

    pub(crate) fn int(&mut self, i: usize, value: Option<i64>) -> Result<(), StoreError> {
        let Some(v) = value else { return self.null(i) };
        // SAFETY: the statement is live.
        let rc = unsafe { ffi::sqlite3_bind_int64(self.raw.as_ptr(), i as c_int, v) };
        self.check(rc)
    }

    pub(crate) fn real(&mut self, i: usize, value: Option<f64>) -> Result<(), StoreError> {
        let Some(v) = value else { return self.null(i) };
        // SAFETY: the statement is live.
        let rc = unsafe { ffi::sqlite3_bind_double(self.raw.as_ptr(), i as c_int, v) };
        self.check(rc)
    }

    pub(crate) fn null(&mut self, i: usize) -> Result<(), StoreError> {
        // SAFETY: the statement is live.
        let rc = unsafe { ffi::sqlite3_bind_null(self.raw.as_ptr(), i as c_int) };
        self.check(rc)
    }

    /// Runs a statement that returns no rows, then makes it ready to run again.
    pub(crate) fn run(&mut self) -> Result<(), StoreError> {
        // SAFETY: the statement is live; reset after every step keeps it reusable.
        let rc = unsafe { ffi::sqlite3_step(self.raw.as_ptr()) };
        let reset = unsafe { ffi::sqlite3_reset(self.raw.as_ptr()) };
        match rc {
            ffi::SQLITE_DONE => self.check(reset),
            ffi::SQLITE_ROW => Err(error_text("a write statement returned rows")),
            rc => Err(self.conn.error(rc)),
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is live and finalized once; the connection outlives it.
        unsafe {
            ffi::sqlite3_finalize(self.raw.as_ptr());
        }
    }
}
