//! `guanxi import customers FILE` and `guanxi export customers FILE`.

use crate::{Ctx, UserError, store_err};
use anyhow::{Context, Result};
use clap::Subcommand;
use guanxi_domain::orders::OrderDraft;
use guanxi_domain::{Lang, Role};
use guanxi_store::{OrderBatches, today_in_china};
use guanxi_transfer::*;
use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import customers from .csv (UTF-8, UTF-8 with BOM, GB18030/GBK) or .xlsx.
    ///
    /// Headers in Chinese or English are recognised (姓名/name, 手机/phone, 公司/company…).
    /// By default nothing is written unless every row is good; --partial writes the good rows.
    /// Rows matching an existing customer (external id, then phone, then e-mail) update it.
    Customers {
        file: std::path::PathBuf,
        /// Write the good rows even if some are bad.
        #[arg(long)]
        partial: bool,
        /// Map a column explicitly: --map "客户名=name" (a field of "-" ignores the column).
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        mappings: Vec<String>,
        /// Check the file and show what would happen, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Where to write the full list of bad rows when there are more than can be shown
        /// (default: FILE.errors.txt in the current directory).
        #[arg(long, value_name = "REPORT")]
        errors_to: Option<std::path::PathBuf>,
        /// The text encoding of a CSV file: auto (found out from the file), utf-8 or gb18030.
        #[arg(long, default_value = "auto")]
        encoding: String,
    },
    /// Import orders from .csv or .xlsx: a customer column (关系编号 Guanxi id, 客户编号
    /// external id, or 手机 phone), 下单时间 order time, 金额 amount in yuan (negative for a
    /// refund); optional 订单号 order number (re-importing it updates the order), 成本 cost,
    /// 产品类别 category, 销售渠道 channel, 门店 branch. Unknown customers are row errors.
    Orders {
        file: std::path::PathBuf,
        /// Write the good rows even if some are bad.
        #[arg(long)]
        partial: bool,
        /// Map a column explicitly: --map "会员号=external_id".
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        mappings: Vec<String>,
        /// Check the file and show what would happen, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// The text encoding of a CSV file: auto (found out from the file), utf-8 or gb18030.
        #[arg(long, default_value = "auto")]
        encoding: String,
    },
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Export all customers (not the recycle bin) to FILE.csv (UTF-8 with BOM) or FILE.xlsx;
    /// `-` writes CSV to standard output. Managers and admins only; audited.
    Customers { file: String },
}

const MAX_FILE_BYTES: u64 = 1 << 30;
const BATCH: usize = 2_000;

/// An import file read: its name, its table, and the explicit `--map` (header, field) pairs.
type Loaded = (String, Table, Vec<(String, String)>);

/// Reads an import file into a table, and the explicit `--map` pairs.
fn load(ctx: &Ctx, file: &std::path::Path, mappings: &[String], encoding: &str) -> Result<Loaded> {
    let (name, reader, explicit) = open(ctx, file, mappings, encoding)?;
    let (headers, encoding) = (reader.headers.clone(), reader.encoding);
    let mut rows = Vec::new();
    for row in reader {
        rows.push(row.map_err(|e| UserError(format!("{name}: {}", e.message(ctx.lang))))?.1);
    }
    Ok((name, Table { headers, rows, encoding }, explicit))
}

/// An import file opened: its name, its rows, and the explicit `--map` (header, field) pairs.
type Opened = (String, RowReader, Vec<(String, String)>);

/// Opens an import file's rows, and the explicit `--map` pairs.
fn open(ctx: &Ctx, file: &std::path::Path, mappings: &[String], encoding: &str) -> Result<Opened> {
    let l = ctx.lang;
    let encoding = Encoding::parse(encoding).ok_or_else(|| {
        UserError(match l {
            Lang::ZhCn => format!("--encoding “{encoding}” 无法识别：可用 auto、utf-8、gb18030"),
            Lang::En => format!("--encoding {encoding:?} is not known: use auto, utf-8 or gb18030"),
        })
    })?;
    let name = file.display().to_string();
    let size = std::fs::metadata(file)
        .map_err(|e| UserError(format!("{}{name}: {e}", ctx.t("无法读取文件 ", "cannot read "))))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(UserError(match l {
            Lang::ZhCn => format!("{name} 太大（{} MB），一次最多导入 1024 MB", size >> 20),
            Lang::En => format!("{name} is too large ({} MB); at most 1024 MB per import", size >> 20),
        })
        .into());
    }
    let bytes = std::fs::read(file).with_context(|| name.clone())?;
    let reader = open_rows(&name, bytes, Limits::COMMAND_LINE, encoding)
        .map_err(|e| UserError(format!("{name}: {}", e.message(l))))?;
    let explicit: Vec<(String, String)> = mappings
        .iter()
        .map(|m| {
            m.split_once('=').map(|(h, f)| (h.to_string(), f.to_string())).ok_or_else(|| {
                UserError(match l {
                    Lang::ZhCn => {
                        format!("--map “{m}” 应写成 表头=字段，如 --map \"客户名=name\"")
                    }
                    Lang::En => format!("--map {m:?} should be HEADER=FIELD, like --map \"客户名=name\""),
                })
            })
        })
        .collect::<Result<_, _>>()?;
    Ok((name, reader, explicit))
}

pub async fn import(ctx: &Ctx, c: ImportCommand) -> Result<()> {
    let (file, partial, mappings, dry_run, errors_to, encoding) = match c {
        ImportCommand::Customers { file, partial, mappings, dry_run, errors_to, encoding } => {
            (file, partial, mappings, dry_run, errors_to, encoding)
        }
        ImportCommand::Orders { file, partial, mappings, dry_run, encoding } => {
            return import_orders(ctx, &file, partial, &mappings, dry_run, &encoding).await;
        }
    };
    let l = ctx.lang;
    let (name, table, explicit) = load(ctx, &file, &mappings, &encoding)?;
    let mapping =
        Mapping::detect(&table.headers, &explicit).map_err(|e| UserError(format!("{name}: {}", e.message(l))))?;

    eprintln!(
        "{}{} · {} {}",
        ctx.t("编码：", "encoding: "),
        table.encoding,
        table.rows.len(),
        ctx.t("行数据", "data rows")
    );
    let mapped: Vec<String> = mapping
        .headers
        .iter()
        .zip(&mapping.columns)
        .filter_map(|(h, f)| f.map(|f| format!("{h}→{}", f.code())))
        .collect();
    eprintln!("{}{}", ctx.t("列映射：", "columns: "), mapped.join(", "));
    let ignored = mapping.ignored();
    if !ignored.is_empty() {
        eprintln!("{}{}", ctx.t("未导入的列：", "columns not imported: "), ignored.join(", "));
    }

    let owners: HashSet<String> = ctx
        .store
        .users()
        .await
        .map_err(store_err(l))?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| u.username.to_lowercase())
        .collect();
    let today = today_in_china();
    let mut session =
        if dry_run { None } else { Some(ctx.store.begin_import(ctx.actor, &name).await.map_err(store_err(l))?) };
    let mut bad: Vec<String> = Vec::new();
    let mut good = 0usize;
    let table = Arc::new(table);
    let mapping = Arc::new(mapping);
    let owners = Arc::new(owners);
    let total = table.rows.len();
    let check = |from: usize| {
        let (table, mapping, owners) = (table.clone(), mapping.clone(), owners.clone());
        tokio::task::spawn_blocking(move || {
            (from..(from + BATCH).min(total))
                .map(|i| validate_row(&mapping, &table, i, today, &owners))
                .collect::<Vec<_>>()
        })
    };
    // Two batches are checked ahead, so that checking uses both cores while a batch is written.
    let mut ahead = std::collections::VecDeque::new();
    let mut next_from = 0;
    while next_from < total && ahead.len() < 2 {
        ahead.push_back(check(next_from));
        next_from += BATCH;
    }
    while let Some(checking) = ahead.pop_front() {
        let checked = checking.await?;
        if next_from < total {
            ahead.push_back(check(next_from));
            next_from += BATCH;
        }
        let mut batch = Vec::with_capacity(checked.len());
        for result in checked {
            match result {
                Ok(row) => {
                    good += 1;
                    batch.push(row);
                }
                Err(report) => bad.push(report.message(l)),
            }
        }
        // In all-or-nothing mode there is no point writing once a row has failed.
        if (partial || bad.is_empty())
            && let Some(s) = session.as_mut()
        {
            for (line, v) in s.write(batch).await.map_err(store_err(l))? {
                good -= 1;
                bad.push(match l {
                    Lang::ZhCn => format!("第 {line} 行：{}", v.message(l)),
                    Lang::En => format!("row {line}: {}", v.message(l)),
                });
            }
        }
    }
    report_bad_rows(ctx, &file, errors_to, &bad)?;
    let Some(session) = session else {
        println!(
            "{}",
            match l {
                Lang::ZhCn => format!("试运行：{good} 行可以导入，{} 行有错误；没有写入任何数据", bad.len()),
                Lang::En =>
                    format!("dry run: {good} rows can be imported, {} have errors; nothing was written", bad.len()),
            }
        );
        return if bad.is_empty() {
            Ok(())
        } else {
            Err(UserError(ctx.t("文件中有错误行", "the file has bad rows").into()).into())
        };
    };
    if !bad.is_empty() && !partial {
        session.rollback().await.map_err(store_err(l))?;
        return Err(UserError(match l {
            Lang::ZhCn => format!("{} 行有错误，没有导入任何数据。改正后重新导入，或加 --partial 只导入正确的 {good} 行", bad.len()),
            Lang::En => format!(
                "{} rows have errors; nothing was imported. Fix them and import again, or add --partial to import the {good} good rows",
                bad.len()
            ),
        })
        .into());
    }
    let outcome = session.commit().await.map_err(store_err(l))?;
    println!(
        "{}",
        match l {
            Lang::ZhCn => format!(
                "导入完成：新增 {}，更新 {}，未变 {}，跳过错误行 {}",
                outcome.created,
                outcome.updated,
                outcome.unchanged,
                bad.len()
            ),
            Lang::En => format!(
                "imported: {} created, {} updated, {} unchanged, {} bad rows skipped",
                outcome.created,
                outcome.updated,
                outcome.unchanged,
                bad.len()
            ),
        }
    );
    Ok(())
}

/// Shown on screen before the rest goes to a report file.
const SHOWN_BAD_ROWS: usize = 50;

/// Prints the bad rows; when there are many, the first ones and a file with all of them.
fn report_bad_rows(
    ctx: &Ctx,
    file: &std::path::Path,
    errors_to: Option<std::path::PathBuf>,
    bad: &[String],
) -> Result<()> {
    for b in bad.iter().take(SHOWN_BAD_ROWS) {
        eprintln!("{b}");
    }
    if bad.len() <= SHOWN_BAD_ROWS {
        return Ok(());
    }
    let report = errors_to.unwrap_or_else(|| {
        let stem = file.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
        std::path::PathBuf::from(format!("{stem}.errors.txt"))
    });
    std::fs::write(&report, bad.join("\n") + "\n").with_context(|| report.display().to_string())?;
    eprintln!(
        "{}",
        match ctx.lang {
            Lang::ZhCn => format!(
                "……另有 {} 行错误，全部 {} 行错误已写入 {}",
                bad.len() - SHOWN_BAD_ROWS,
                bad.len(),
                report.display()
            ),
            Lang::En => format!(
                "… and {} more bad rows; all {} are listed in {}",
                bad.len() - SHOWN_BAD_ROWS,
                bad.len(),
                report.display()
            ),
        }
    );
    Ok(())
}

pub async fn export(ctx: &Ctx, c: ExportCommand) -> Result<()> {
    let ExportCommand::Customers { file } = c;
    let l = ctx.lang;
    if !matches!(ctx.role, Role::Admin | Role::Manager) {
        return Err(UserError(
            ctx.t(
                "只有管理员和销售经理可以批量导出客户（客户档案属于公司）",
                "only admins and managers may export customers in bulk (the archive belongs to the company)",
            )
            .into(),
        )
        .into());
    }
    let format = if file == "-" {
        Format::Csv
    } else {
        Format::from_file_name(&file).ok_or_else(|| {
            UserError(match l {
                Lang::ZhCn => format!("“{file}”：导出文件名应以 .csv 或 .xlsx 结尾"),
                Lang::En => format!("{file:?}: the export file name must end in .csv or .xlsx"),
            })
        })?
    };
    let err = store_err(l);
    let mut count = 0i64;
    let mut after = 0i64;
    match format {
        Format::Csv => {
            let out: Box<dyn Write> = if file == "-" {
                Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
            } else {
                // Written beside the target and renamed, so a failed export leaves no half file.
                Box::new(std::io::BufWriter::new(
                    std::fs::File::create(format!("{file}.partial")).with_context(|| file.clone())?,
                ))
            };
            let mut w = CsvExport::new(out, l)?;
            loop {
                let batch = ctx.store.export_batch(after, 5_000).await.map_err(&err)?;
                let Some(last) = batch.last() else { break };
                after = last.id;
                for c in &batch {
                    w.write(c.id, &c.draft)?;
                    count += 1;
                }
            }
            w.finish()?;
        }
        Format::Xlsx => {
            let mut w = XlsxExport::new(l)?;
            loop {
                let batch = ctx.store.export_batch(after, 5_000).await.map_err(&err)?;
                let Some(last) = batch.last() else { break };
                after = last.id;
                for c in &batch {
                    w.write(c.id, &c.draft).map_err(|_| {
                        UserError(
                            ctx.t(
                                "超过 Excel 单个工作表的行数上限（1,048,575 行），请导出为 CSV",
                                "more rows than an Excel sheet holds (1,048,575); export to CSV instead",
                            )
                            .into(),
                        )
                    })?;
                    count += 1;
                }
            }
            std::fs::write(format!("{file}.partial"), w.finish()?).with_context(|| file.clone())?;
        }
    }
    if file != "-" {
        std::fs::rename(format!("{file}.partial"), &file).with_context(|| file.clone())?;
    }
    ctx.store.record_export(ctx.actor, &file, count).await.map_err(&err)?;
    eprintln!(
        "{}",
        match l {
            Lang::ZhCn => format!("已导出 {count} 位客户到 {file}"),
            Lang::En => format!("exported {count} customers to {file}"),
        }
    );
    Ok(())
}

/// An orders file's rows, validated a batch at a time as the store asks for them.
struct OrderRows {
    reader: RowReader,
    mapping: Mapping,
    now: chrono::DateTime<chrono::Utc>,
    lang: Lang,
    partial: bool,
    good: usize,
    bad: Vec<String>,
    file_error: Option<String>,
}

impl OrderBatches for OrderRows {
    fn next_batch(&mut self) -> Option<Vec<(usize, OrderDraft)>> {
        let mut batch = Vec::new();
        while batch.len() < ORDER_BATCH {
            let Some(row) = self.reader.next() else { break };
            match row {
                Err(e) => {
                    self.file_error = Some(e.message(self.lang));
                    return None;
                }
                Ok((line, cells)) => match validate_order_cells(&self.mapping, line, &cells, self.now) {
                    Ok(row) => batch.push(row),
                    Err(report) => self.bad.push(report.message(self.lang)),
                },
            }
            if !self.may_commit() {
                return None;
            }
        }
        self.good += batch.len();
        (!batch.is_empty()).then_some(batch)
    }

    fn may_commit(&self) -> bool {
        self.file_error.is_none() && (self.partial || self.bad.is_empty())
    }
}

impl OrderRows {
    /// Validates the rows nobody asked for, so every bad row is reported.
    fn check_rest(&mut self) {
        self.partial = true;
        while self.file_error.is_none() && self.next_batch().is_some() {}
    }
}

/// Orders read and validated before the store writes them.
const ORDER_BATCH: usize = 5_000;

/// `guanxi import orders FILE`: reads, checks and writes the rows a batch at a time, all in
/// one transaction; nothing is written unless every row is good or `--partial`.
async fn import_orders(
    ctx: &Ctx,
    file: &std::path::Path,
    partial: bool,
    mappings: &[String],
    dry_run: bool,
    encoding: &str,
) -> Result<()> {
    let l = ctx.lang;
    let (name, reader, explicit) = open(ctx, file, mappings, encoding)?;
    let mapping =
        detect_order_mapping(&reader.headers, &explicit).map_err(|e| UserError(format!("{name}: {}", e.message(l))))?;
    let ignored = mapping.ignored();
    if !ignored.is_empty() {
        eprintln!("{}{}", ctx.t("未导入的列：", "columns not imported: "), ignored.join(", "));
    }
    let mut rows = OrderRows {
        reader,
        mapping,
        now: chrono::Utc::now(),
        lang: l,
        partial,
        good: 0,
        bad: Vec::new(),
        file_error: None,
    };
    if dry_run {
        rows.check_rest();
        if let Some(e) = rows.file_error {
            return Err(UserError(format!("{name}: {e}")).into());
        }
        report_bad_rows(ctx, file, None, &rows.bad)?;
        println!(
            "{}",
            match l {
                Lang::ZhCn =>
                    format!("试运行：{} 行格式正确，{} 行有错误；没有写入任何数据", rows.good, rows.bad.len()),
                Lang::En => format!(
                    "dry run: {} rows are well-formed, {} have errors; nothing was written",
                    rows.good,
                    rows.bad.len()
                ),
            }
        );
        return if rows.bad.is_empty() {
            Ok(())
        } else {
            Err(UserError(ctx.t("文件中有错误行", "the file has bad rows").into()).into())
        };
    }
    let (outcome, refused) =
        ctx.store.import_order_batches(ctx.actor, &name, &mut rows, partial).await.map_err(store_err(l))?;
    let stopped = !rows.may_commit();
    rows.check_rest();
    if let Some(e) = rows.file_error {
        return Err(UserError(format!("{name}: {e}{}", ctx.t("；没有导入任何数据", "; nothing was imported"))).into());
    }
    let mut bad = rows.bad;
    if stopped {
        report_bad_rows(ctx, file, None, &bad)?;
        return Err(UserError(match l {
            Lang::ZhCn => {
                format!("{} 行有错误，没有导入任何数据。改正后重新导入，或加 --partial 只导入正确的行", bad.len())
            }
            Lang::En => format!(
                "{} rows have errors; nothing was imported. Fix them and import again, or add --partial",
                bad.len()
            ),
        })
        .into());
    }
    for (line, v) in &refused {
        bad.push(match l {
            Lang::ZhCn => format!("第 {line} 行：{}", v.message(l)),
            Lang::En => format!("row {line}: {}", v.message(l)),
        });
    }
    report_bad_rows(ctx, file, None, &bad)?;
    if !refused.is_empty() && !partial {
        return Err(UserError(
            ctx.t("有订单找不到客户，没有导入任何数据", "some orders name unknown customers; nothing was imported")
                .into(),
        )
        .into());
    }
    println!(
        "{}",
        match l {
            Lang::ZhCn => format!(
                "订单导入完成：新增 {}，更新 {}，未变 {}，跳过错误行 {}",
                outcome.created,
                outcome.updated,
                outcome.unchanged,
                bad.len()
            ),
            Lang::En => format!(
                "orders imported: {} created, {} updated, {} unchanged, {} bad rows skipped",
                outcome.created,
                outcome.updated,
                outcome.unchanged,
                bad.len()
            ),
        }
    );
    Ok(())
}
