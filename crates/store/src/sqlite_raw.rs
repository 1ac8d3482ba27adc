//! Prepared statements on the SQLite connection, stepped on the calling thread: the bulk writer
//! of imports and of the value recompute's million rows, and the reader of its histories.
//!
//! Through sqlx every statement is a round trip to the connection's worker thread, and every
//! parameter an owned value handed over; a multi-row `INSERT` amortizes that, but costs a
//! statement journal (it may fail halfway), a re-parse of a 17,000-parameter statement, and —
//! for FTS5 — a flushed index segment per statement. A single-row statement prepared once and
//! stepped a million times needs none of it. This module is the one place with `unsafe`: it
//! holds sqlx's lock on the connection (so its worker cannot touch the handle meanwhile) and
//! finalizes every statement before the lock is let go. Reading is the same story: a million
//! rows come over as fast as SQLite steps them, not one hand-off each (or one JSON text of
//! many, parsed again).
//!
//! Stepping blocks the thread for as long as it takes; run long loops in `blocking` so a
//! multi-threaded runtime moves its other tasks (a web server's requests) elsewhere meanwhile.

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

// SAFETY: sqlx opens SQLite connections in multi-thread mode (or serialized), in which a
// connection may be used from any thread, one at a time; this value is the only user while it
// lives (it holds sqlx's lock, whose guard only refers to a thread-safe mutex), and its
// statements, which cannot leave their thread, borrow it.
unsafe impl Send for RawConnection<'_> {}

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

/// Runs `f` on this thread; on a multi-threaded runtime after handing this worker's other tasks
/// to another thread (`tokio::task::block_in_place`), which a single-threaded one cannot do.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

fn error_text(msg: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(msg.to_string()))
}

/// A prepared statement; parameters are numbered from 1 and result columns from 0, as SQLite
/// numbers them.
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

    /// Steps a query: true with a row to read, false when there are no more (and the
    /// statement is ready to run again).
    pub(crate) fn next_row(&mut self) -> Result<bool, StoreError> {
        // SAFETY: the statement is live.
        let rc = unsafe { ffi::sqlite3_step(self.raw.as_ptr()) };
        match rc {
            ffi::SQLITE_ROW => Ok(true),
            ffi::SQLITE_DONE => {
                // SAFETY: as above.
                self.check(unsafe { ffi::sqlite3_reset(self.raw.as_ptr()) })?;
                Ok(false)
            }
            rc => {
                let e = self.conn.error(rc);
                // SAFETY: as above; the error is read before the reset.
                unsafe { ffi::sqlite3_reset(self.raw.as_ptr()) };
                Err(e)
            }
        }
    }

    /// Column `i` of the current row as an integer (NULL reads as 0).
    pub(crate) fn int_at(&self, i: usize) -> i64 {
        // SAFETY: the statement is live and on a row (a column out of range reads as NULL).
        unsafe { ffi::sqlite3_column_int64(self.raw.as_ptr(), i as c_int) }
    }

    /// Column `i` of the current row as a float (NULL reads as 0).
    pub(crate) fn real_at(&self, i: usize) -> f64 {
        // SAFETY: as in `int_at`.
        unsafe { ffi::sqlite3_column_double(self.raw.as_ptr(), i as c_int) }
    }

    /// Column `i` of the current row as text, valid until the statement moves on (which the
    /// borrow of `self` ensures); NULL reads as "".
    pub(crate) fn text_at(&self, i: usize) -> Result<&str, StoreError> {
        // SAFETY: as in `int_at`; SQLite keeps the bytes (`len` of them, after the pointer is
        // taken, as its documentation asks) until the next step, reset or finalize, each of
        // which needs `&mut self`.
        let bytes = unsafe {
            let p = ffi::sqlite3_column_text(self.raw.as_ptr(), i as c_int);
            let len = ffi::sqlite3_column_bytes(self.raw.as_ptr(), i as c_int);
            if p.is_null() { &[][..] } else { std::slice::from_raw_parts(p, len.max(0) as usize) }
        };
        std::str::from_utf8(bytes).map_err(|_| StoreError::Corrupt(format!("column {i} is not UTF-8 text")))
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
