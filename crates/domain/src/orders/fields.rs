//! The fields of an order (import, form and API).

use crate::error::fields;

fields! {
    OrderNo = "order_no", "订单号", "Order number", ["订单编号", "单号", "order id", "order number"];
    OrderedAt = "ordered_at", "下单时间", "Order time", ["订单日期", "下单日期", "成交日期", "订单时间", "order date", "order time"];
    Amount = "amount", "金额", "Amount", ["订单金额", "销售额", "实付金额", "成交金额", "revenue"];
    Cost = "cost", "成本", "Cost", ["成本金额"];
    Category = "category", "产品类别", "Product category", ["品类", "类别", "产品分类", "product category"];
    SalesChannel = "sales_channel", "销售渠道", "Sales channel", ["渠道类型", "sales channel"] => crate::SalesChannel;
    Branch = "branch", "门店", "Store / branch", ["分店", "网点", "store"];
}
