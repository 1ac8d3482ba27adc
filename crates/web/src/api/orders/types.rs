//! The API types of orders: the OpenAPI schemas of the bodies `api/orders.rs` takes and gives.

use crate::api::schema::prelude::*;

schema!(
    OrderInput,
    "An order: amount in yuan (text like \"1,234.50\" or a number; negative for a refund); ordered_at RFC 3339 or YYYY-MM-DD HH:MM China time, default now.",
    record(form::ORDER_FIELDS, &[Field::Amount], false, &[])
);

schema!(Order, "A stored order; amounts in fen (1 yuan = 100 fen).", {
    Schema::Object(
        ObjectBuilder::new()
            .property("id", integer("Order id"))
            .property("customer_id", integer("Guanxi ID of the customer"))
            .property("ordered_at", string("RFC 3339"))
            .property("amount_fen", integer("Amount in fen; negative for a refund"))
            .property("cost_fen", integer("Cost in fen"))
            .property("category", string("Product category"))
            .property("sales_channel", field_property(Field::SalesChannel))
            .property("branch", string("Store / branch"))
            .property("order_no", string("The order's number in the system it came from"))
            .property("created_at", string("RFC 3339"))
            .required("id")
            .required("amount_fen")
            .build(),
    )
});

schema!(CustomerOrders, "A customer's orders and purchase rollup.", {
    Schema::Object(
        ObjectBuilder::new()
            .property(
                "rollup",
                ObjectBuilder::new()
                    .property("orders", integer("Orders"))
                    .property("purchase_days", integer("Calendar days (China time) with an order"))
                    .property("revenue_fen", integer("Sum of amounts"))
                    .property("costed_orders", integer("Orders whose cost is known"))
                    .property("margin_fen", integer("Revenue minus cost, over orders whose cost is known"))
                    .property("first_order_at", string("RFC 3339"))
                    .property("last_order_at", string("RFC 3339"))
                    .property(
                        "rhythm_days",
                        ObjectBuilder::new()
                            .schema_type(SchemaType::Type(Type::Number))
                            .description(Some("Mean days between purchase days")),
                    ),
            )
            .property("orders", ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Order"))))
            .build(),
    )
});

schema!(OrderList, "A page of orders across customers, with the count and revenue of all that match.", {
    Schema::Object(
        ObjectBuilder::new()
            .property("items", ArrayBuilder::new().items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Order"))))
            .property("total", integer("How many match (at least, when total_capped)"))
            .property("total_capped", ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)))
            .property("page", integer("Page number, from 1"))
            .property("per_page", integer("Orders a page (1–200, default 50)"))
            .property("revenue_fen", integer("Revenue of all that match; null when capped"))
            .build(),
    )
});
