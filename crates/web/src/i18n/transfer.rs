//! Importing and exporting customers and orders.

use guanxi_domain::Lang;

catalogue! {
    encoding_label => "文本编码（CSV）", "Text encoding (CSV)";
    encoding_auto => "自动识别", "Find out from the file";
    export_all => "导出全部客户", "Export every customer";
    export_filtered => "导出列表中筛选出的客户：", "Export the customers the list shows:";
    back_to_list => "回到列表", "Back to the list";
    merge_confirm_needed => "请勾选“我确认合并这两位客户”后再合并。", "Tick “Yes, merge these two customers” to merge.";
    merge_kinds_needed => "两条记录类型不同：请勾选“我知道类型不同，仍要合并”。", "The records are of different kinds: tick “I know the kinds differ” to merge.";
    see_unowned => "列出他们，批量指定负责人", "List them and assign an owner in bulk";
    import_hint => "上传 CSV（UTF-8 或 GBK）或 Excel 文件。先检查，确认无误再写入。", "Upload a CSV (UTF-8 or GBK) or Excel file. It is checked first; nothing is written until you confirm.";
    file => "文件", "File";
    orders_import_hint => "客户价值（ABC 分层、RFM、活跃概率、终身价值）都从订单算出。上传订单的 CSV 或 Excel 文件：每行一笔订单，用关系编号、外部编号或手机号指明客户。先检查，确认无误再写入。", "Customer value (tiers, RFM, P(alive), lifetime value) is computed from orders. Upload a CSV or Excel file of orders, one a row, naming the customer by Guanxi ID, external ID or phone. It is checked first; nothing is written until you confirm.";
    value_queued => "客户价值正在按新订单重新评估，几分钟后在“客户价值”页可以看到。", "Customer value is being recomputed with the new orders; see the Value page in a few minutes.";
    rows_not_imported => "这些行没有导入", "These rows were not imported";
    see_orders => "查看订单", "See the orders";
    template_hint => "第一次导入？下载模板，照着第二页的说明填写：", "First import? Download the template and fill it in as its second sheet says:";
    template_xlsx => "Excel 模板（含填写说明）", "Excel template (with instructions)";
    template_csv => "CSV 模板", "CSV template";
    new_customers => "新建客户", "new customers";
    changes_to_stored => "更新已有客户", "changes to existing customers";
    updates_hint => "这些行与已有客户的关系编号、外部编号、电话或邮箱相同，导入会改写下列字段。每一行可以选：更新这位客户、作为新客户添加，或跳过；也可以在下面一次跳过全部。", "These rows match existing customers by Guanxi ID, external ID, phone or e-mail; importing changes the fields below. For each row choose: update that customer, add the row as a new customer, or skip it; or skip them all below.";
    what_changes => "将要改变的字段", "What changes";
    rows_unit => "行", "rows";
    new_orders => "新建订单", "new orders";
    changes_to_orders => "更新已有订单", "changes to stored orders";
    changes_to_orders_title => "更新已有订单", "Changes to stored orders";
    changes_to_stored_title => "更新已有客户", "Changes to existing customers";
    order_updates_hint => "这些行的订单号已经存在，导入会改写下列字段；文件里空着的单元格保留原值。订单号属于别的客户、在文件里重复、或找不到客户的行列在“行有问题”里，不会导入。", "These rows' order numbers exist already; importing changes the fields below, and cells left empty keep what is stored. Rows whose number belongs to another customer, repeats in the file, or whose customer cannot be found are listed with the problems and not imported.";
    skip_order_updates => "跳过这些行：只新建订单，不改动已有订单", "Skip these rows: only add new orders, change no stored one";
    this_row => "这一行", "This row";
    row_default => "按下面的勾选", "As ticked below";
    row_update => "更新这位客户", "Update this customer";
    row_new => "新建一位客户", "Add as a new customer";
    row_skip => "跳过", "Skip";
    renames_customer => "姓名会改变：也许是另一个人", "The name changes: perhaps someone else";
    same_as_stored => "与已有客户相同", "same as stored";
    empty_value => "（空）", "(empty)";
    skip_updates => "跳过这些行：只新建客户，不改动已有客户", "Skip these rows: only add new customers, change no existing one";
    download_problem_rows => "下载有问题的行（CSV）", "Download the problem rows (CSV)";
    problem_rows_hint => "每行前面写明问题；改好后可直接再导入。", "Each row starts with its problems; fix them and import the file again.";
    see_imported => "查看本次导入的客户", "See the customers this import wrote";
    import_another => "再导入一个文件", "Import another file";
    check_file => "检查文件", "Check file";
    mapping => "列对应", "Column mapping";
    column => "文件中的列", "Column in the file";
    maps_to => "对应字段", "Field";
    ignored => "（忽略）", "(ignored)";
    rows_ok => "行可以导入", "rows can be imported";
    rows_bad => "行有问题", "rows have problems";
    row => "行", "Row";
    import_all => "全部正确才导入", "Import (all rows must be good)";
    import_partial => "只导入正确的行", "Import the good rows only";
    imported => "导入完成", "Import finished";
    export_csv => "导出 CSV", "Export CSV";
    export_xlsx => "导出 Excel", "Export Excel";
}

impl super::T {
    /// After an import: how many of its customers nobody looks after yet.
    pub fn imported_unowned(&self, n: i64) -> String {
        match self.0 {
            Lang::ZhCn => {
                format!("其中 {n} 位客户还没有负责人（文件里没有负责人一列，或那一格是空的），没人会去跟进他们。")
            }
            Lang::En => format!(
                "{n} of these customers have no owner yet (the file has no owner column, or the cell is empty): nobody will follow them up."
            ),
        }
    }
}
