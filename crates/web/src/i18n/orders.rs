//! The orders pages.

catalogue! {
    orders_unit => "笔订单", "orders";
    no_matching_orders => "没有符合条件的订单。", "No orders match.";
    cost => "成本", "Cost";
    category => "产品类别", "Category";
    sales_channel => "销售渠道", "Sales channel";
    branch => "门店", "Store / branch";
}
